// "Turn on browser notifications" (templates/notifications/_push_toggle.html): registers the service worker at
// /sw.js, asks for permission only when the button is pressed, subscribes with the server's VAPID key and
// stores the subscription; "Turn off" unsubscribes the browser and forgets it on the server.
(function () {
  "use strict";

  const root = document.querySelector("[data-push-toggle]");
  if (!root) return;
  const button = root.querySelector("[data-push-button]");
  const status = root.querySelector("[data-push-status]");
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";

  function say(text) {
    status.textContent = text;
  }

  function show(on) {
    button.hidden = false;
    button.disabled = false;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "Turn off browser notifications" : "Turn on browser notifications";
  }

  function keyBytes(base64url) {
    const base64 = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(base64);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok && response.status !== 404) {
      let detail = "";
      try {
        detail = (await response.json()).detail || "";
      } catch (error) {
        detail = "";
      }
      throw new Error(detail || "The server refused (" + response.status + ").");
    }
    return response;
  }

  async function registration() {
    return navigator.serviceWorker.register(root.dataset.workerUrl, { scope: "/" });
  }

  async function turnOn() {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      say(
        permission === "denied"
          ? "Notifications are blocked for this site. Allow them in your browser's site settings, then try again."
          : "Browser notifications stay off: permission was not given.",
      );
      show(false);
      return;
    }
    const keyResponse = await api("GET", root.dataset.keyUrl);
    if (!keyResponse.ok) throw new Error("Browser notifications are not available on this server.");
    const { public_key: publicKey } = await keyResponse.json();
    await registration();
    const ready = await navigator.serviceWorker.ready;
    let subscription = await ready.pushManager.getSubscription();
    if (!subscription) {
      subscription = await ready.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
    }
    await api("POST", root.dataset.subscriptionsUrl, subscription.toJSON());
    say("Browser notifications are on for this device.");
    show(true);
  }

  async function turnOff() {
    const current = await navigator.serviceWorker.getRegistration("/");
    const subscription = current ? await current.pushManager.getSubscription() : null;
    if (subscription) {
      await api("DELETE", root.dataset.subscriptionsUrl, { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    }
    say("Browser notifications are off on this device.");
    show(false);
  }

  async function start() {
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      say("This browser cannot show notifications from websites.");
      return;
    }
    if (!window.isSecureContext) {
      say("Browser notifications need a secure (https) connection to this site.");
      return;
    }
    const current = await navigator.serviceWorker.getRegistration("/");
    const subscription = current ? await current.pushManager.getSubscription() : null;
    const on = Boolean(subscription) && Notification.permission === "granted";
    if (Notification.permission === "denied") {
      say("Notifications are blocked for this site. Allow them in your browser's site settings to turn them on.");
    } else {
      say(on ? "Browser notifications are on for this device." : "Browser notifications are off on this device.");
    }
    show(on);
  }

  button.addEventListener("click", async () => {
    const on = button.getAttribute("aria-pressed") === "true";
    button.disabled = true;
    say(on ? "Turning browser notifications off…" : "Turning browser notifications on…");
    try {
      if (on) await turnOff();
      else await turnOn();
    } catch (error) {
      say("That did not work: " + (error && error.message ? error.message : "unknown error") + ".");
      show(on);
    }
  });

  start().catch(() => say("This browser cannot show notifications from websites."));
})();
