// The studio's server and stream key: the key is not in the page; "Reveal" and "Copy key" ask the API for it
// (GET /streams/{id}: its owner's view carries it), "Reset key" rotates it after a confirmation that says the
// connected encoder is dropped. Copy buttons for the server, the key and the ffmpeg command say "Copied".
(function () {
  "use strict";
  const setup = document.getElementById("stream-setup");
  if (!setup) return;
  const api = "/api/v1/streams/" + setup.dataset.streamId;
  const keyBox = document.getElementById("stream-key");
  const hiddenKey = Array.from(keyBox.childNodes, (node) => node.cloneNode(true));
  const reveal = setup.querySelector('[data-action="reveal"]');
  const rotate = setup.querySelector('[data-action="rotate"]');
  const dialog = document.getElementById("rotate-dialog");
  const dialogError = dialog.querySelector(".dialog-error");
  const status = document.getElementById("copy-status");
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  let key = null; // asked for once, replaced by a rotation
  let statusTimer = null;

  function say(text) {
    clearTimeout(statusTimer);
    status.textContent = text;
    statusTimer = setTimeout(() => { status.textContent = ""; }, 8000);
  }

  function streamKey() {
    if (key) return Promise.resolve(key);
    return fetch(api, { credentials: "same-origin" }).then((r) => {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json().then((body) => {
        if (!body.stream_key) throw new Error("no key");
        key = body.stream_key;
        return key;
      });
    });
  }

  function show(revealed) {
    reveal.setAttribute("aria-pressed", String(revealed));
    reveal.textContent = revealed ? "Hide" : "Reveal";
    keyBox.dataset.hidden = revealed ? "0" : "1";
    if (revealed) keyBox.textContent = key;
    else keyBox.replaceChildren(...hiddenKey.map((node) => node.cloneNode(true)));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    // Without the async clipboard (a plain-http address other than localhost): the old way, through a selection.
    return new Promise((resolve, reject) => {
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      const done = document.execCommand("copy");
      area.remove();
      if (done) resolve();
      else reject(new Error("copy refused"));
    });
  }

  const COPIES = {
    server: () => Promise.resolve([document.getElementById("rtmp-url").textContent.trim(), "Server copied."]),
    key: () => streamKey().then((value) => [value, "Stream key copied."]),
    command: () => streamKey().then((value) => [
      document.getElementById("ffmpeg-command").textContent.trim().replace("STREAM_KEY", value),
      "Command copied, with your stream key.",
    ]),
  };

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-copy]");
    if (!button || !COPIES[button.dataset.copy]) return;
    COPIES[button.dataset.copy]()
      .then(([text, words]) => copyText(text).then(() => say(words)))
      .catch(() => say("Could not copy: select the text and copy it yourself."));
  });

  reveal.addEventListener("click", () => {
    if (reveal.getAttribute("aria-pressed") === "true") return show(false);
    streamKey().then(() => show(true), () => say("Could not load your stream key; try again."));
  });

  rotate.addEventListener("click", () => {
    dialogError.textContent = "";
    dialog.showModal(); // modal: focus moves in (to "Keep the current key"), Escape closes it
  });

  dialog.querySelector("form").addEventListener("submit", (event) => {
    if (!event.submitter || event.submitter.value !== "rotate") return; // "Keep": the dialog just closes
    event.preventDefault();
    const confirm = event.submitter;
    confirm.disabled = true;
    fetch(api + "/rotate-key", { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf } })
      .then((r) => r.json().then((body) => ({ ok: r.ok, body: body }), () => ({ ok: r.ok, body: {} })))
      .then((answer) => {
        if (!answer.ok || !answer.body.stream_key) {
          dialogError.textContent = answer.body.detail || "The key was not reset; try again.";
          return;
        }
        key = answer.body.stream_key;
        if (reveal.getAttribute("aria-pressed") === "true") show(true);
        dialog.close("rotate");
        rotate.focus();
        say("New stream key made: the old one no longer works. Paste the new key into your encoder.");
      }, () => { dialogError.textContent = "Could not reach the server; the key was not reset."; })
      .then(() => { confirm.disabled = false; });
  });
})();
