// The gift moment everyone in the room sees (and, if they turned it on, hears): each `room:gift` event from the
// chat socket becomes an animation over the video, chosen by the gift's `animation` and sized by its rarity,
// with the sender (or "Someone") and a combo count that grows while the streak lasts. Gifts that arrive while
// one is showing wait in a bounded queue that merges a sender's streak into one item; past its bound they are
// summed into one "and N more gifts" moment, so none goes unshown. Also the stream's top-gifters strip.
(function () {
  "use strict";
  const verifiedBadge = window.gnlVerifiedBadge || (() => document.createTextNode("")); // static/js/chat-line.js
  const stage = document.getElementById("gift-stage");
  const area = document.getElementById("gift-area");
  const streamId = area ? area.dataset.streamId : null;
  if (!stage || !streamId) return;

  const ANIMATIONS = ["float", "bounce", "spin", "drive", "pulse", "rain", "fly"];
  const SHOW_MS = { common: 2200, rare: 2800, epic: 3600, legendary: 5000 };
  const GAP_MS = 250;
  const QUEUE_MAX = 12;
  const STREAK_EXTEND_MS = 1500;
  const RAIN_DROPS = 10;
  const SOUND_COOKIE = "gnl_gift_sounds"; // the server draws the button's state from it (no storage read at start)

  // Counts grouped by thousands in the site's English, without Intl: its first formatter starts ICU, a long task
  // on a phone while the page loads (the top-gifters strip is drawn then).
  const grouped = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  const catalogue = new Map(); // gift id -> the catalogue's body (image and sound URLs on this page's host)
  const queue = [];
  let overflow = null; // {gifts, coins, senders:Set} summed once the queue is full
  let current = null; // {item, element, timer, endsAt}

  function applyMotionPreference() { stage.classList.toggle("still", reduceMotion.matches); }
  applyMotionPreference();
  reduceMotion.addEventListener("change", applyMotionPreference);

  fetch("/api/v1/gifts", { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : []))
    .then((list) => { for (const gift of list) catalogue.set(gift.id, gift); })
    .catch(() => {});

  // --- Sound: off until the viewer turns it on, remembered on this device (a cookie the page is drawn with) ------

  const soundButton = document.getElementById("gift-sound");
  let soundOn = soundButton ? soundButton.getAttribute("aria-pressed") === "true" : false;
  if (soundButton) {
    soundButton.addEventListener("click", () => {
      soundOn = !soundOn;
      document.cookie = SOUND_COOKIE + "=" + (soundOn ? "on" : "off") + "; path=/; max-age=31536000; samesite=lax";
      soundButton.setAttribute("aria-pressed", String(soundOn));
      soundButton.textContent = soundOn ? "Gift sounds on" : "Gift sounds off";
    });
  }

  function play(gift) {
    if (!soundOn) return;
    const url = (catalogue.get(gift.id) || gift).sound_url;
    if (!url) return;
    const audio = new Audio(url);
    audio.volume = 0.7;
    audio.play().catch(() => {}); // a browser that still refuses (no gesture yet) stays silent
  }

  // --- Queue ---------------------------------------------------------------------------------------------

  function keyOf(event) {
    return (event.sender ? event.sender.id : "someone") + ":" + event.gift.id + ":" + (event.is_anonymous ? "a" : "n");
  }

  function receive(event) {
    const key = keyOf(event);
    if (current && current.item.key === key) {
      merge(current.item, event);
      render(current.item, current.element);
      bump(current.element);
      current.endsAt = Math.max(current.endsAt, Date.now() + STREAK_EXTEND_MS);
      return;
    }
    const waiting = queue.find((item) => item.key === key);
    if (waiting) {
      merge(waiting, event);
      return;
    }
    if (queue.length >= QUEUE_MAX) {
      overflow = overflow || { gifts: 0, coins: 0, senders: new Set() };
      overflow.gifts += event.quantity;
      overflow.coins += event.total_coins;
      overflow.senders.add(event.sender ? event.sender.id : "someone:" + event.id);
      return;
    }
    queue.push({
      key: key,
      gift: event.gift,
      sender: event.sender ? event.sender.display_name : "Someone",
      senderUser: event.sender,
      quantity: event.quantity,
      combo: event.combo || 1,
      message: event.message || "",
    });
    if (!current) next();
  }

  function merge(item, event) {
    item.quantity += event.quantity;
    item.combo = Math.max(item.combo, event.combo || 1);
    if (event.message) item.message = event.message;
  }

  function next() {
    let item = queue.shift();
    if (!item && overflow) {
      item = { key: "overflow", overflow: overflow };
      overflow = null;
    }
    if (!item) {
      current = null;
      return;
    }
    const element = build(item);
    stage.appendChild(element);
    const rarity = item.gift ? item.gift.rarity : "rare";
    // A long queue moves faster, so the room does not fall minutes behind its gifts.
    const pace = queue.length > 3 ? 0.55 : 1;
    current = { item: item, element: element, endsAt: Date.now() + (SHOW_MS[rarity] || SHOW_MS.common) * pace };
    if (item.gift) play(item.gift);
    wait();
  }

  function wait() {
    const left = current.endsAt - Date.now();
    if (left > 0) {
      current.timer = setTimeout(wait, left);
      return;
    }
    const element = current.element;
    element.classList.add("leaving");
    setTimeout(() => element.remove(), GAP_MS);
    current = null;
    setTimeout(next, GAP_MS);
  }

  // --- Drawing -------------------------------------------------------------------------------------------

  function build(item) {
    const element = document.createElement("div");
    if (item.overflow) {
      element.className = "gift-moment gift-moment-overflow rarity-rare anim-pulse";
      const text = document.createElement("p");
      text.className = "gift-moment-text";
      const people = item.overflow.senders.size;
      text.textContent =
        "…and " + grouped(item.overflow.gifts) + " more gifts (" + grouped(item.overflow.coins) +
        " coins) from " + people + (people === 1 ? " viewer" : " viewers");
      element.appendChild(text);
      return element;
    }
    const gift = item.gift;
    const animation = ANIMATIONS.includes(gift.animation) ? gift.animation : "float";
    element.className = "gift-moment rarity-" + gift.rarity + " anim-" + animation;
    element.dataset.giftId = gift.id;
    const art = document.createElement("div");
    art.className = "gift-moment-art";
    art.setAttribute("aria-hidden", "true");
    const image = (catalogue.get(gift.id) || gift).image_url;
    const copies = animation === "rain" && !reduceMotion.matches ? RAIN_DROPS : 1;
    for (let i = 0; i < copies; i++) {
      const drop = image ? document.createElement("img") : document.createElement("span");
      if (image) {
        drop.src = image;
        drop.alt = "";
      } else {
        drop.textContent = "🎁";
      }
      drop.className = copies > 1 ? "gift-drop" : "gift-icon";
      art.appendChild(drop);
    }
    const text = document.createElement("p");
    text.className = "gift-moment-text";
    const who = document.createElement("strong");
    who.className = "gift-moment-sender";
    const what = document.createElement("span");
    what.className = "gift-moment-what";
    const combo = document.createElement("span");
    combo.className = "gift-moment-combo";
    text.append(who, what, combo);
    const note = document.createElement("p");
    note.className = "gift-moment-message";
    element.append(art, text, note);
    render(item, element);
    return element;
  }

  function render(item, element) {
    element.querySelector(".gift-moment-sender").replaceChildren(item.sender, verifiedBadge(item.senderUser));
    element.querySelector(".gift-moment-what").textContent = " sent " + item.quantity + "× " + item.gift.name;
    const combo = element.querySelector(".gift-moment-combo");
    combo.textContent = item.combo > 1 ? " ×" + item.combo : "";
    combo.hidden = item.combo <= 1;
    const note = element.querySelector(".gift-moment-message");
    note.textContent = item.message; // text, never markup
    note.hidden = !item.message;
  }

  function bump(element) {
    const combo = element.querySelector(".gift-moment-combo");
    combo.classList.remove("bump");
    void combo.offsetWidth; // restart the animation
    combo.classList.add("bump");
  }

  document.addEventListener("room:gift", (event) => {
    if (event.detail && event.detail.gift) receive(event.detail.gift);
    scheduleLeaders();
  });
  // The stream ended or went private: the stage empties at once (nothing plays over "This broadcast has ended").
  function clearStage() {
    if (current && current.timer) clearTimeout(current.timer);
    current = null;
    queue.length = 0;
    overflow = null;
    stage.replaceChildren();
  }

  document.addEventListener("room:stream_status", (event) => {
    if (event.detail && event.detail.status === "ended") {
      clearStage();
      scheduleLeaders();
    }
  });
  document.addEventListener("page:stream-state", (event) => {
    if (event.detail && (event.detail.status !== "live" || event.detail.visibility === "private")) clearStage();
  });

  // --- Top gifters ---------------------------------------------------------------------------------------

  const leaders = document.getElementById("top-gifters");
  const empty = document.querySelector(".top-gifters-empty");
  let leadersTimer = null;

  function scheduleLeaders() {
    if (!leaders || leadersTimer) return;
    leadersTimer = setTimeout(() => { leadersTimer = null; loadLeaders(); }, 1000); // one refresh per burst
  }

  function loadLeaders() {
    fetch("/api/v1/streams/" + streamId + "/gifts/leaderboard", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : Promise.reject(r)))
      .then((body) => {
        leaders.textContent = "";
        for (const row of body.stream.slice(0, 5)) {
          const li = document.createElement("li");
          const rank = document.createElement("span");
          rank.className = "top-gifter-rank";
          rank.textContent = row.rank + ".";
          const name = document.createElement("span");
          name.className = "top-gifter-name";
          name.textContent = row.user ? row.user.display_name : "Anonymous";
          name.appendChild(verifiedBadge(row.user));
          const coins = document.createElement("span");
          coins.className = "top-gifter-coins";
          coins.textContent = grouped(row.coins) + (row.coins === 1 ? " coin" : " coins");
          li.append(rank, " ", name, " ", coins);
          leaders.appendChild(li);
        }
        if (empty) empty.hidden = body.stream.length > 0;
      })
      .catch(() => {});
  }
  if (leaders) loadLeaders();
})();
