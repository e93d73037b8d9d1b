// The verified badge beside a person's name, for every script that shows one (chat, gifts, replays): a mark for
// the eye and words for screen readers, never colour alone; the markup of templates/_verified.html. This file
// loads before them; gnlVerifiedBadge(user) gives an empty text node for a user who is not verified (or no user).
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

// One chat line's words, as the live chat (chat.js) and the replayed chat (replay.js) both show them: the
// author's badges (creator, moderator, staff, subscriber), their name, a verified mark, and the message with
// its @mentions and the platform's emotes as images. Never innerHTML: chat is stored raw.
window.gnlChatLine = (function () {
  "use strict";
  const BADGE_WORDS = { creator: "Creator", moderator: "Mod", staff: "Staff", subscriber: "Sub" };
  const TOKENS = /(@[\w.+-]{1,150}|:[A-Za-z0-9_+-]{1,32}:)/;

  // The platform's emote set, rendered by the server into the page (the picker, or a hidden list).
  let emotes = null;
  function emoteSet() {
    if (!emotes) {
      emotes = new Map();
      document.querySelectorAll("[data-emote][data-src]").forEach((node) => emotes.set(node.dataset.emote, node.dataset.src));
    }
    return emotes;
  }

  // The message's text: "@name" marked (and marked as "me" for the viewer's own name), ":code:" as the emote.
  function content(into, text, myUsername) {
    const set = emoteSet();
    const parts = text.split(TOKENS);
    parts.forEach((part, index) => {
      if (!part) return;
      const before = index > 0 ? parts[index - 1] : "";
      if (index % 2 === 1 && part[0] === "@" && (!before || /\s$/.test(before))) {
        const span = document.createElement("span");
        span.className = "mention";
        span.textContent = part;
        if (myUsername && part.slice(1).replace(/\.+$/, "").toLowerCase() === myUsername) span.classList.add("me");
        into.appendChild(span);
      } else if (index % 2 === 1 && part[0] === ":" && set.has(part.slice(1, -1).toLowerCase())) {
        const img = document.createElement("img");
        img.className = "emote";
        img.src = set.get(part.slice(1, -1).toLowerCase());
        img.alt = part;
        img.title = part;
        img.width = 28;
        img.height = 28;
        into.appendChild(img);
      } else {
        into.appendChild(document.createTextNode(part));
      }
    });
  }

  // Badges, the name and the verified mark, then ": " and the message (the span.text it returns).
  function words(into, message, myUsername) {
    const user = message.user;
    const badges = user.badges || [];
    badges.filter((badge) => BADGE_WORDS[badge]).forEach((badge) => {
      const tag = document.createElement("span");
      tag.className = "chat-badge " + badge;
      tag.textContent = BADGE_WORDS[badge];
      into.append(tag, " ");
    });
    const author = document.createElement("strong");
    author.className = "author " + badges.join(" ");
    author.textContent = user.display_name;
    into.appendChild(author);
    // The one verified badge (gnlVerifiedBadge, above): a mark for the eye, words for screen readers.
    if (window.gnlVerifiedBadge) into.appendChild(window.gnlVerifiedBadge(user));
    into.appendChild(document.createTextNode(": "));
    const text = document.createElement("span");
    text.className = "text";
    content(text, message.content, myUsername);
    into.appendChild(text);
    return text;
  }

  return { BADGE_WORDS: BADGE_WORDS, words: words };
})();
