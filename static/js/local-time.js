// Times in the viewer's own time zone. The server writes each <time data-local-time> in a fixed zone (UTC,
// or the creator's for a weekly schedule) with the instant in its datetime attribute; this rewrites the text
// in the browser's zone. data-local-time says how much to show: "" (day, date and time), "date", "short"
// (Mon 1 Dec, 18:00), "weekly" (weekday and time: a weekly slot) or "clock" (time only). [data-local-zone]
// says which zone that is.
"use strict";
(function () {
  const zone = { timeZoneName: "short" };
  const formats = {
    "": { weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", ...zone },
    date: { dateStyle: "medium" },
    short: { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", ...zone },
    weekly: { weekday: "long", hour: "2-digit", minute: "2-digit", ...zone },
    clock: { hour: "2-digit", minute: "2-digit" },
  };
  const formatters = {};

  function rewrite(node) {
    if (node.hasAttribute("data-local-zone")) {
      const name = Intl.DateTimeFormat().resolvedOptions().timeZone;
      node.textContent = name ? "Times in your time zone (" + name.replace(/_/g, " ") + ")." : "Times in your time zone.";
      return;
    }
    const when = new Date(node.getAttribute("datetime"));
    const kind = node.dataset.localTime in formats ? node.dataset.localTime : "";
    if (isNaN(when.getTime())) return; // the server's text stays
    formatters[kind] = formatters[kind] || new Intl.DateTimeFormat(undefined, formats[kind]);
    node.textContent = formatters[kind].format(when);
  }

  const nodes = document.querySelectorAll("time[data-local-time], [data-local-zone]");
  if (!nodes.length) return;
  // The first Intl formatter costs tens of milliseconds on a phone (ICU's start), so times are rewritten as
  // they come near the screen (a screen ahead), each after the first paint; the server's text stands until then.
  // A page whose times all sit far below (a watch page's "coming up") starts no ICU while it loads.
  if (!("IntersectionObserver" in window)) {
    setTimeout(() => nodes.forEach(rewrite), 1);
    return;
  }
  const near = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      near.unobserve(entry.target);
      rewrite(entry.target);
    }
  }, { rootMargin: "100% 0px" });
  nodes.forEach((node) => near.observe(node));
})();
