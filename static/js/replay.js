// An ended stream's replay: the recording's chat and gifts appear as the video reaches the moment they were
// sent (pausing pauses them; a seek starts over with the last 50 before the new position), read from the
// replay routes a window at a time (the page's dates are put in the viewer's zone by player.js).
(function () {
  "use strict";
  const verifiedBadge = window.gnlVerifiedBadge || (() => document.createTextNode("")); // static/js/chat-line.js

  const root = document.getElementById("replay-chat");
  const video = document.getElementById("replay");
  if (!root || !video) return;

  const WINDOW = 300; // seconds of the recording one read covers (the server allows 600)
  const AHEAD = 60; // read the next window this long before playback reaches it
  const CONTEXT = 50; // after a seek: this many of the messages and gifts before the new position
  const MAX_SHOWN = 300;
  const RETRY_MS = 5000;
  const streamId = root.dataset.streamId;
  const list = root.querySelector(".chat-messages");
  const status = root.querySelector(".chat-status");

  let recordingId = root.dataset.recordingId;
  let base = 0; // the recording's offset at the video's 0 s (a highlight starts further in)
  let generation = 0; // bumped on every start-over: answers for an older one are dropped
  let queue = []; // read, not shown yet, oldest first
  let readTo = 0; // the recording has been read up to this offset
  let duration = Infinity; // the recording's length, once the server has said
  let reading = false;
  let stopped = false; // the server refused (no access any more, no such recording): no retries

  const round = (seconds) => Math.round(seconds * 1000) / 1000; // what the server accepts (<= 6 places)

  function clock(seconds) {
    const whole = Math.max(0, Math.floor(seconds));
    const h = Math.floor(whole / 3600);
    const m = Math.floor((whole % 3600) / 60);
    const s = String(whole % 60).padStart(2, "0");
    return h ? h + ":" + String(m).padStart(2, "0") + ":" + s : m + ":" + s;
  }

  function notice(text) {
    status.textContent = text;
  }

  function get(path) {
    return fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } }).then((r) => {
      if (!r.ok) {
        const error = new Error("HTTP " + r.status);
        error.status = r.status;
        throw error;
      }
      return r.json();
    });
  }

  function route(kind, params) {
    const path = "/api/v1/streams/" + streamId + "/recordings/" + recordingId + "/" + kind;
    return path + "?" + new URLSearchParams(params).toString();
  }

  // One kind's items in [from, to), every page of it (a busy window continues in `next`, on this origin).
  function readWindow(kind, from, to) {
    const items = [];
    const step = (path) =>
      get(path).then((body) => {
        if (typeof body.duration === "number") duration = body.duration;
        items.push(...body.results);
        if (!body.next) return items;
        const next = new URL(body.next, location.href);
        return step(next.pathname + next.search);
      });
    return step(route(kind, { from: from.toFixed(3), to: to.toFixed(3) }));
  }

  function merged(messages, gifts) {
    return messages.concat(gifts).sort((a, b) => a.offset - b.offset);
  }

  function failed(gen, error) {
    if (gen !== generation) return;
    reading = false;
    if (error.status === 403 || error.status === 404) {
      stopped = true;
      notice("The chat replay is not available.");
      return;
    }
    notice("The chat replay could not load. Trying again…");
    setTimeout(() => { if (gen === generation) { notice(""); tick(); } }, RETRY_MS);
  }

  function line(item) {
    const li = document.createElement("li");
    const time = document.createElement("span");
    time.className = "replay-time";
    time.textContent = clock(item.offset - base);
    li.appendChild(time);
    const add = (tag, text, cls) => {
      const node = document.createElement(tag);
      node.textContent = text; // never innerHTML: chat is stored raw
      if (cls) node.className = cls;
      li.appendChild(node);
    };
    if (item.message) {
      const message = item.message;
      li.className = "chat-line" + (message.message_type === "emote" ? " emote" : "");
      li.dataset.id = message.id;
      window.gnlChatLine.words(li, message, ""); // badges, name, verified, emotes: as the live chat shows them
    } else {
      const gift = item.gift;
      li.className = "chat-line gift";
      const who = gift.sender ? gift.sender.display_name : "Someone";
      add("span", "🎁 " + who);
      li.appendChild(verifiedBadge(gift.sender));
      add("span", " sent " + gift.quantity + "× " + gift.gift.name + (gift.message ? ": " + gift.message : ""));
    }
    return li;
  }

  function show(items, atTop) {
    if (!items.length) return;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const lines = document.createDocumentFragment();
    for (const item of items) lines.appendChild(line(item));
    if (atTop) list.insertBefore(lines, list.firstChild);
    else list.appendChild(lines);
    while (list.children.length > MAX_SHOWN) list.removeChild(list.firstChild);
    if (atBottom || atTop) list.scrollTop = list.scrollHeight;
  }

  function position() {
    return base + video.currentTime;
  }

  function readMore() {
    if (reading || stopped || readTo >= duration) return;
    const gen = generation;
    const from = readTo;
    const to = round(from + WINDOW);
    reading = true;
    Promise.all([readWindow("chat", from, to), readWindow("gifts", from, to)])
      .then(([messages, gifts]) => {
        if (gen !== generation) return;
        reading = false;
        queue.push(...merged(messages, gifts)); // windows come in order: each starts where the last ended
        readTo = to;
        tick();
      })
      .catch((error) => failed(gen, error));
  }

  // What the video has reached is shown; the next window is read ahead of it.
  function tick() {
    if (video.seeking) return;
    const now = position();
    let due = 0;
    while (due < queue.length && queue[due].offset <= now) due += 1;
    if (due) show(queue.splice(0, due), false);
    if (now >= readTo - AHEAD) readMore();
  }

  // A seek (or another recording): clear, show what precedes the new position, then follow from there.
  function startOver(at) {
    generation += 1;
    const gen = generation;
    at = round(Math.max(0, at));
    queue = [];
    readTo = at;
    reading = false;
    stopped = false;
    notice("");
    list.replaceChildren();
    if (at > 0) {
      list.setAttribute("aria-busy", "true"); // one update for assistive technology, not fifty
      const before = { before: at.toFixed(3), limit: String(CONTEXT) };
      Promise.all([get(route("chat", before)), get(route("gifts", before))])
        .then(([messages, gifts]) => {
          if (gen !== generation) return;
          show(merged(messages.results, gifts.results).slice(-CONTEXT), true);
          list.removeAttribute("aria-busy");
        })
        .catch((error) => { list.removeAttribute("aria-busy"); failed(gen, error); });
    }
    tick();
  }

  video.addEventListener("timeupdate", tick);
  video.addEventListener("playing", tick);
  video.addEventListener("seeking", () => {
    generation += 1; // nothing read for the old position shows at the new one
    queue = [];
    list.replaceChildren();
  });
  video.addEventListener("seeked", () => startOver(position()));

  // Another recording or a highlight (player.js switches the video): follow its recording from its start.
  for (const link of document.querySelectorAll("a[data-replay][data-recording-id]")) {
    link.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey) return;
      recordingId = link.dataset.recordingId;
      base = Number(link.dataset.offset || 0);
      duration = Infinity;
      startOver(base);
    });
  }

  startOver(position());
})();
