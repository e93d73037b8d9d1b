// The push service worker, served at /sw.js (scope: the whole site). It shows what the server pushes
// (notifications.delivery.push.payload: title, body, url, icon, tag) and opens or focuses its page on click.
"use strict";

const FALLBACK_TITLE = "Great Nigeria Library Live";

function readPayload(event) {
  if (!event.data) return {};
  try {
    return event.data.json();
  } catch (error) {
    return { body: event.data.text() };
  }
}

function sameOriginUrl(value) {
  try {
    const url = new URL(value || "/", self.location.origin);
    return url.origin === self.location.origin ? url.href : self.location.origin + "/";
  } catch (error) {
    return self.location.origin + "/";
  }
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  const data = readPayload(event);
  const options = {
    body: data.body || "",
    icon: data.icon || undefined,
    badge: data.icon || undefined,
    tag: data.tag || undefined,
    renotify: Boolean(data.tag),
    data: { url: sameOriginUrl(data.url), id: data.id || null },
  };
  event.waitUntil(self.registration.showNotification(data.title || FALLBACK_TITLE, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = (event.notification.data && event.notification.data.url) || self.location.origin + "/";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url === target && "focus" in client) return client.focus();
      }
      return self.clients.openWindow ? self.clients.openWindow(target) : undefined;
    }),
  );
});
