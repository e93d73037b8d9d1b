// Share buttons (templates/_share.html): a <details> menu of share links that works without script. Here: where
// the browser has the Web Share API (phones), "Share" opens the system's share sheet instead; "Copy link" puts
// the page's address on the clipboard and says so; Escape or a click outside closes the menu.
"use strict";
(function () {
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    // Plain http on a LAN address: no async clipboard, but a selection can still be copied.
    return new Promise((resolve, reject) => {
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      const done = document.execCommand("copy");
      area.remove();
      (done ? resolve : reject)(new Error("copy refused"));
    });
  }

  function setUp(share) {
    const toggle = share.querySelector(".share-toggle");
    const status = share.querySelector(".share-status");
    const button = share.querySelector(".share-copy");
    const data = { title: share.dataset.shareTitle, text: share.dataset.shareText, url: share.dataset.shareUrl };
    let quiet;

    function say(message) {
      status.textContent = message;
      clearTimeout(quiet);
      quiet = setTimeout(() => { status.textContent = ""; }, 4000);
    }

    button.hidden = false;
    button.addEventListener("click", () => {
      copy(data.url).then(
        () => say("Link copied."),
        () => say("Could not copy. The link is " + data.url),
      );
    });

    toggle.addEventListener("click", (event) => {
      if (share.open || typeof navigator.share !== "function") return; // the menu opens (or closes) as usual
      if (navigator.canShare && !navigator.canShare(data)) return;
      event.preventDefault();
      navigator.share(data).catch((error) => {
        // Dismissing the sheet is not a failure; anything else falls back to the menu.
        if (error && error.name !== "AbortError") share.open = true;
      });
    });

    share.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && share.open) {
        share.open = false;
        toggle.focus();
      }
    });
    document.addEventListener("click", (event) => {
      if (share.open && !share.contains(event.target)) share.open = false;
    });
  }

  document.querySelectorAll("details.share").forEach(setUp);
})();
