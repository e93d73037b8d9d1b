// The verified badge beside a person's name, for every script that shows one (chat, gifts, replays): a mark for
// the eye and words for screen readers, never colour alone; the markup of templates/_verified.html. Loaded before
// them; gnlVerifiedBadge(user) gives an empty text node for a user who is not verified (or no user).
(function () {
  "use strict";
  window.gnlVerifiedBadge = function (user) {
    if (!user || !user.is_verified) return document.createTextNode("");
    const badge = document.createElement("span");
    badge.className = "verified";
    badge.title = "Verified creator";
    const mark = document.createElement("span");
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = "✔";
    const words = document.createElement("span");
    words.className = "visually-hidden";
    words.textContent = "(verified)";
    badge.append(" ", mark, words);
    return badge;
  };
})();
