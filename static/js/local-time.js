// Times in the viewer's own time zone. The server writes each <time data-local-time> in a fixed zone (UTC,
// or the creator's for a weekly schedule) with the instant in its datetime attribute; this rewrites the text
// in the browser's zone. data-local-time says how much to show: "" (day, date and time), "date", "short"
// (Mon 1 Dec, 18:00), "weekly" (weekday and time: a weekly slot) or "clock" (time only). [data-local-zone]
// says which zone that is.
"use strict";
// The first Intl formatter costs tens of milliseconds (ICU's start): after the first paint, in a task of its own;
// the server's text stands until then.
(window.requestIdleCallback || ((run) => setTimeout(run, 1)))(function () {
  const zone = { timeZoneName: "short" };
  const formats = {
    "": { weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", ...zone },
    date: { dateStyle: "medium" },
    short: { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", ...zone },
    weekly: { weekday: "long", hour: "2-digit", minute: "2-digit", ...zone },
    clock: { hour: "2-digit", minute: "2-digit" },
  };
  const formatters = {};
  for (const node of document.querySelectorAll("time[data-local-time]")) {
    const when = new Date(node.getAttribute("datetime"));
    const kind = node.dataset.localTime in formats ? node.dataset.localTime : "";
    if (isNaN(when.getTime())) continue; // the server's text stays
    formatters[kind] = formatters[kind] || new Intl.DateTimeFormat(undefined, formats[kind]);
    node.textContent = formatters[kind].format(when);
  }
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const node of document.querySelectorAll("[data-local-zone]")) {
    node.textContent = name ? "Times in your time zone (" + name.replace(/_/g, " ") + ")." : "Times in your time zone.";
  }
}, { timeout: 1000 });
