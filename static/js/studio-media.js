// The studio's recordings and clips: while one is processing, the page asks itself again every 5 s (while
// visible) and swaps in each item whose state changed, saying so once in the status line.
(function () {
  "use strict";
  const root = document.querySelector(".studio-media[data-poll-processing]");
  if (!root) return;
  const POLL_MS = 5000;
  const status = document.getElementById("media-progress");
  let timer = null;
  let asking = false;

  const processing = () => root.querySelectorAll('[data-media-item][data-status="processing"]');

  function describe(item) {
    const title = item.querySelector(".media-title");
    const name = title ? title.textContent.trim() : "An item";
    return item.dataset.status === "ready" ? name + " is ready." : name + " could not be made.";
  }

  async function poll() {
    timer = null;
    if (asking || document.hidden) return;
    asking = true;
    try {
      const response = await fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      const news = [];
      for (const item of processing()) {
        const replacement = fresh.getElementById(item.id);
        if (!replacement || replacement.dataset.status === item.dataset.status) continue;
        if (item.contains(document.activeElement)) continue; // never pull the focus away; next round
        const adopted = document.importNode(replacement, true);
        item.replaceWith(adopted);
        news.push(describe(adopted));
      }
      if (news.length) status.textContent = news.join(" ");
    } catch (error) {
      // Offline for a moment: the next round tries again.
    } finally {
      asking = false;
      schedule();
    }
  }

  function schedule() {
    if (timer === null && processing().length && !document.hidden) timer = window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener("visibilitychange", schedule);
  schedule();
})();
