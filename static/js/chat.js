// Live chat on the stream page: one WebSocket for the room's events, REST for sending and moderating.
// Every room event is also re-dispatched on document as "room:<type>" for the page's other modules.
(function () {
  "use strict";
  const verifiedBadge = window.gnlVerifiedBadge || (() => document.createTextNode("")); // static/js/chat-line.js
  const root = document.getElementById("chat");
  if (!root) return;
  const streamId = root.dataset.streamId;
  const api = "/api/v1/streams/" + streamId;
  const me = { id: root.dataset.userId || "", username: (root.dataset.username || "").toLowerCase() };
  const moderates = ["creator", "moderator", "staff"].includes(root.dataset.role);
  const list = root.querySelector(".chat-messages");
  const form = root.querySelector(".chat-form");
  const input = form ? form.querySelector("#chat-input") : null;
  const send = form ? form.querySelector(".chat-send") : null;
  const refusal = form ? form.querySelector(".chat-refusal") : null;
  const status = root.querySelector(".chat-status");
  const rulesList = root.querySelector(".chat-rules");
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const MAX_SHOWN = 300;
  const STAFF_BADGES = ["creator", "moderator", "staff"];
  const BADGE_WORDS = window.gnlChatLine.BADGE_WORDS;
  let slowMode = Number(root.dataset.slowMode) || 0;
  let chatOn = !(input && input.disabled);
  if (send) send.disabled = false; // rendered disabled until this script runs (templates/chat/_chat.html)

  function notice(text) { status.textContent = text; }

  function request(method, path, body) {
    return fetch(api + path, {
      method: method,
      credentials: "same-origin",
      headers: body === undefined ? { "X-CSRFToken": csrf } : { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((response) => {
      if (response.status === 204) return { ok: true, status: 204, body: {} };
      return response.json().then((json) => ({ ok: response.ok, status: response.status, body: json }),
        () => ({ ok: response.ok, status: response.status, body: {} }));
    });
  }

  function problem(body) {
    if (body.detail) return body.detail;
    const first = Object.keys(body)[0];
    return first ? [].concat(body[first]).join(" ") : "That did not work.";
  }

  // --- rendering a message ---------------------------------------------------------------------------

  // One formatter each, made at the first message: toLocaleTimeString with options builds a new one per call
  // (ICU's setup, milliseconds each), which for a hundred lines of history was a long task.
  let clock = null;
  let stamp = null;

  function timeOf(iso) {
    const node = document.createElement("time");
    const when = new Date(iso);
    clock = clock || new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit" });
    stamp = stamp || new Intl.DateTimeFormat([], { dateStyle: "medium", timeStyle: "medium" });
    node.dateTime = iso;
    node.textContent = clock.format(when);
    node.title = stamp.format(when);
    return node;
  }

  function place(item, ms) {
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    item.dataset.ms = String(ms);
    // In time order: a message caught up after a reconnect may be older than one the socket already showed.
    let after = list.lastElementChild;
    while (after && Number(after.dataset.ms) > ms) after = after.previousElementSibling;
    list.insertBefore(item, after ? after.nextSibling : list.firstChild);
    while (list.children.length > MAX_SHOWN) list.removeChild(list.firstElementChild);
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function showMessage(message) {
    if (list.querySelector('[data-id="' + CSS.escape(message.id) + '"]')) return; // socket and REST both bring it
    const item = document.createElement("div");
    item.className = "chat-line" + (message.message_type === "emote" ? " emote" : "");
    item.dataset.id = message.id;
    item.dataset.userId = message.user.id;
    const badges = message.user.badges || [];
    item.appendChild(timeOf(message.created_at));
    item.appendChild(document.createTextNode(" "));
    window.gnlChatLine.words(item, message, me.username);
    if (me.id && (message.mentions || []).includes(me.id) && message.user.id !== me.id) {
      item.classList.add("mentions-me");
      const flag = document.createElement("span");
      flag.className = "chat-badge mention-flag";
      flag.textContent = "Mentions you";
      item.insertBefore(flag, item.firstChild.nextSibling);
    }
    if (moderates && message.user.id !== me.id && !badges.some((badge) => STAFF_BADGES.includes(badge))) {
      item.appendChild(moderatorTools(message));
    }
    place(item, Date.parse(message.created_at));
  }

  function line(className, ...parts) {
    const item = document.createElement("div");
    item.className = className;
    item.append(...parts); // strings go in as text, never markup
    place(item, Date.now());
  }

  // --- moderator tools, inline ------------------------------------------------------------------------

  const TIMEOUTS = [[60, "1 min"], [600, "10 min"], [3600, "1 h"], [86400, "24 h"]];

  function moderatorTools(message) {
    const who = message.user.display_name;
    const tools = document.createElement("span");
    tools.className = "chat-mod";
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "chat-mod-toggle";
    toggle.textContent = "⋯";
    toggle.setAttribute("aria-label", "Moderate " + who + "’s message");
    toggle.setAttribute("aria-expanded", "false");
    const menu = document.createElement("span");
    menu.className = "chat-mod-menu";
    menu.hidden = true;
    function action(label, run) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.addEventListener("click", () => run(button));
      menu.appendChild(button);
      return button;
    }
    action("Delete", () => request("DELETE", "/chat/" + message.id).then((answer) => {
      if (!answer.ok) return notice(problem(answer.body));
      const item = list.querySelector('[data-id="' + CSS.escape(message.id) + '"]');
      if (item) item.remove();
      notice("Message from " + who + " deleted.");
    }));
    TIMEOUTS.forEach(([seconds, words]) => action("Time out " + words, () =>
      request("POST", "/bans", { user_id: message.user.id, duration_seconds: seconds }).then((answer) => {
        notice(answer.ok ? who + " is timed out for " + words + "." : problem(answer.body));
        close();
      })));
    action("Ban", (button) => {
      if (button.dataset.confirm !== "1") { button.dataset.confirm = "1"; button.textContent = "Confirm ban of " + who; return; }
      request("POST", "/bans", { user_id: message.user.id }).then((answer) => {
        notice(answer.ok ? who + " is banned from this chat." : problem(answer.body));
        close();
      });
    });
    function close() { menu.hidden = true; toggle.setAttribute("aria-expanded", "false"); }
    toggle.addEventListener("click", () => {
      const open = menu.hidden;
      menu.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      if (open) menu.firstElementChild.focus();
    });
    menu.addEventListener("keydown", (event) => { if (event.key === "Escape") { close(); toggle.focus(); } });
    tools.append(toggle, menu);
    return tools;
  }

  // --- the rules the viewer chats under ---------------------------------------------------------------

  function showRules(settings) {
    slowMode = settings.slow_mode || 0;
    chatOn = settings.chat_enabled !== false;
    const rules = [];
    if (!chatOn) rules.push(["Chat off", "off"]);
    if (slowMode) rules.push(["Slow mode: 1 message every " + slowMode + " s", ""]);
    if (settings.followers_only) {
      rules.push(["Followers only" + (settings.followers_min_minutes ? " (after " + settings.followers_min_minutes + " min)" : ""), ""]);
    }
    if (settings.emote_only) rules.push(["Emote only", ""]);
    if (rulesList) {
      rulesList.replaceChildren(...rules.map(([text, cls]) => {
        const item = document.createElement("li");
        item.textContent = text;
        if (cls) item.className = cls;
        return item;
      }));
    }
    if (input) {
      input.disabled = !chatOn;
      input.placeholder = !chatOn ? "Chat is off" : settings.emote_only ? "Emotes only…" : "Say something…";
    }
  }

  // --- sending: the text stays in the box until the server took it ---------------------------------------

  let cooldownTimer = null;

  function cooldown(seconds) {
    if (!send) return;
    clearInterval(cooldownTimer);
    let left = Math.ceil(seconds);
    const tick = () => {
      if (left <= 0) {
        clearInterval(cooldownTimer);
        send.disabled = false;
        send.textContent = "Send";
        send.removeAttribute("aria-label");
        return;
      }
      send.disabled = true;
      send.textContent = left + " s";
      send.setAttribute("aria-label", "Send (wait " + left + " s)");
      left -= 1;
    };
    tick();
    cooldownTimer = setInterval(tick, 1000);
  }

  function refuse(body) {
    refusal.textContent = problem(body);
    refusal.dataset.code = body.code || "invalid";
    if (body.retry_after && ["rate_limited", "slow_mode", "timed_out"].includes(body.code)) cooldown(body.retry_after);
  }

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const content = input.value.trim();
      if (!content || send.disabled) return;
      // Sent before the suggestions came: none may open over the emptied box later.
      clearTimeout(mentionTimer);
      mentionQuery = null;
      closeMentions();
      send.disabled = true;
      request("POST", "/chat", { content: content, message_type: "text" }).then((answer) => {
        send.disabled = false;
        if (!answer.ok) return refuse(answer.body);
        refusal.textContent = "";
        delete refusal.dataset.code;
        if (input.value.trim() === content) input.value = "";
        showMessage(answer.body);
        if (slowMode && !moderates) cooldown(slowMode);
      }, () => {
        send.disabled = false;
        refuse({ detail: "Not sent: the connection dropped. Your message is still here; try again." });
      });
    });
  }

  // --- @mentions: suggestions from the server as you type ---------------------------------------------

  const mentionList = form ? form.querySelector(".chat-mentions") : null;
  let mentionQuery = null;
  let mentionTimer = null;
  let active = -1;

  function mentionAtCaret() {
    const upto = input.value.slice(0, input.selectionStart);
    const match = /(?:^|\s)@([\w.+-]{1,30})$/.exec(upto);
    return match ? { prefix: match[1], start: upto.length - match[1].length - 1 } : null;
  }

  function closeMentions() {
    mentionList.hidden = true;
    mentionList.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    const options = mentionList.children;
    if (!options.length) return;
    active = (index + options.length) % options.length;
    Array.from(options).forEach((option, n) => option.setAttribute("aria-selected", String(n === active)));
    input.setAttribute("aria-activedescendant", options[active].id);
  }

  function choose(username) {
    const at = mentionAtCaret();
    if (!at) return closeMentions();
    const rest = input.value.slice(input.selectionStart);
    input.value = input.value.slice(0, at.start) + "@" + username + " " + rest.replace(/^\s+/, "");
    const caret = at.start + username.length + 2;
    input.setSelectionRange(caret, caret);
    closeMentions();
    input.focus();
  }

  function suggest() {
    const at = mentionAtCaret();
    if (!at) return closeMentions();
    const query = at.prefix;
    mentionQuery = query;
    fetch(api + "/chat/mentionable?limit=8&q=" + encodeURIComponent(query), { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : { results: [] }))
      .then((body) => {
        if (mentionQuery !== query) return; // a newer keystroke asked since
        if (!body.results.length) return closeMentions();
        mentionList.replaceChildren(...body.results.map((user, n) => {
          const option = document.createElement("li");
          option.id = "chat-mention-" + n;
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", "false");
          option.dataset.username = user.username;
          const name = document.createElement("strong");
          name.textContent = user.display_name;
          const handle = document.createElement("span");
          handle.textContent = " @" + user.username + (user.badges.length ? " · " + user.badges.map((b) => BADGE_WORDS[b] || b).join(", ") : "");
          option.append(name, verifiedBadge(user), handle);
          option.addEventListener("mousedown", (event) => { event.preventDefault(); choose(user.username); });
          return option;
        }));
        mentionList.hidden = false;
        input.setAttribute("aria-expanded", "true");
        highlight(0);
      }, closeMentions);
  }

  if (input) {
    input.addEventListener("input", () => {
      if (refusal.dataset.code && !send.disabled) { refusal.textContent = ""; delete refusal.dataset.code; }
      clearTimeout(mentionTimer);
      if (!mentionAtCaret()) return closeMentions();
      mentionTimer = setTimeout(suggest, 150);
    });
    input.addEventListener("keydown", (event) => {
      if (mentionList.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
        event.preventDefault();
        choose(mentionList.children[active].dataset.username);
      } else if (event.key === "Escape") {
        event.preventDefault();
        closeMentions();
      }
    });
    input.addEventListener("blur", () => setTimeout(closeMentions, 150));
  }

  // --- the emoji and emote picker ----------------------------------------------------------------------

  const picker = form ? form.querySelector(".chat-picker") : null;
  const pickerToggle = form ? form.querySelector(".chat-picker-toggle") : null;

  function openPicker(open) {
    picker.hidden = !open;
    pickerToggle.setAttribute("aria-expanded", String(open));
    if (open) picker.querySelector("button").focus();
  }

  function insert(text) {
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? start;
    const before = input.value.slice(0, start);
    const spaced = (before && !/\s$/.test(before) && text[0] === ":" ? " " : "") + text;
    if (input.value.length - (end - start) + spaced.length > input.maxLength) return;
    input.value = before + spaced + input.value.slice(end);
    input.setSelectionRange(start + spaced.length, start + spaced.length);
  }

  if (picker) {
    pickerToggle.addEventListener("click", () => openPicker(picker.hidden));
    picker.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-insert]");
      if (button && !input.disabled) insert(button.dataset.insert);
    });
    picker.addEventListener("keydown", (event) => {
      const buttons = Array.from(picker.querySelectorAll("button"));
      const at = buttons.indexOf(document.activeElement);
      const columns = Math.max(1, Math.round(picker.querySelector(".chat-picker-grid").clientWidth / buttons[0].offsetWidth));
      const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns, Home: -at, End: buttons.length - 1 - at };
      if (event.key === "Escape") {
        event.preventDefault();
        openPicker(false);
        pickerToggle.focus();
      } else if (event.key in moves && at >= 0) {
        event.preventDefault();
        buttons[Math.min(buttons.length - 1, Math.max(0, at + moves[event.key]))].focus();
      }
    });
    document.addEventListener("click", (event) => {
      if (!picker.hidden && !picker.contains(event.target) && event.target !== pickerToggle) openPicker(false);
    });
  }

  // --- the room's events -------------------------------------------------------------------------------

  let serviceRetryAfter = null;

  const handlers = {
    chat_message: (e) => showMessage(e.message),
    message_deleted: (e) => {
      const item = list.querySelector('[data-id="' + CSS.escape(e.message_id) + '"]');
      if (item) item.remove();
    },
    // viewer_count: the player shows it (overlay, header, and for screen readers once a minute).
    chat_settings: showRules,
    stream_status: (e) => {
      if (e.status === "ended") {
        notice("The stream has ended.");
        if (input) { input.disabled = true; input.placeholder = "The stream has ended"; }
      }
    },
    gift: (e) => line("chat-line gift", "🎁 " + (e.gift.sender ? e.gift.sender.display_name : "Someone"), verifiedBadge(e.gift.sender), " sent " + e.gift.quantity + "× " + e.gift.gift.name),
    error: (e) => {
      if (e.code === "service_unavailable") {
        serviceRetryAfter = Number(e.retry_after) || null;
        notice(e.detail || "Chat is briefly unavailable.");
      } else if (refusal && ["banned", "timed_out"].includes(e.code)) {
        refuse(e); // a moderator's ban or timeout, told on every socket of this user
      } else {
        notice(e.detail || e.code);
      }
    },
  };

  // --- the socket, and catching up after a reconnect ---------------------------------------------------

  let socket = null;
  let attempt = 0;

  function lastMessageId() {
    const shown = list.querySelectorAll(".chat-line[data-id]");
    return shown.length ? shown[shown.length - 1].dataset.id : null;
  }

  function catchUp(after, pages) {
    // The messages stored while the socket was down, oldest first, a page of 100 at a time (a few pages at most).
    const url = "/chat?limit=100" + (after ? "&after=" + encodeURIComponent(after) : "");
    return fetch(api + url, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : { results: [] }))
      .then((body) => {
        // Deleted while this page was away (the room's message_deleted went to the others): gone here too.
        (body.deleted || []).forEach((id) => handlers.message_deleted({ message_id: id }));
        body.results.slice().reverse().forEach(showMessage);
        if (after && body.results.length === 100 && pages > 1) return catchUp(body.results[0].id, pages - 1);
      });
  }

  // The room closed this socket because the stream went away from this viewer (made private): ask now and then
  // (every 5 s, for 30 minutes) whether it is back, and rejoin when it is.
  let joined = false;
  function watchForReturn() {
    const since = Date.now();
    const ask = () => {
      if (Date.now() - since > 30 * 60 * 1000) return;
      fetch(api, { credentials: "same-origin" })
        .then((r) => {
          if (!r.ok) return setTimeout(ask, 5000);
          return r.json().then((body) => {
            // What changed while the room was closed to us, as the room would have said it.
            const detail = { type: "stream_updated", title: body.title, visibility: body.visibility };
            document.dispatchEvent(new CustomEvent("room:stream_updated", { detail: detail }));
            connect();
          });
        })
        .catch(() => setTimeout(ask, 5000));
    };
    setTimeout(ask, 5000);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + api + "/chat");
    socket.onopen = () => {
      joined = true;
      attempt = 0;
      notice("");
      const after = lastMessageId();
      if (after) catchUp(after, 5).catch(() => {});
    };
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      const handler = handlers[event.type];
      if (handler) handler(event);
      // The room's events for the page's other modules (player, gift moment): listen for "room:<type>".
      document.dispatchEvent(new CustomEvent("room:" + event.type, { detail: event }));
    };
    socket.onclose = (event) => {
      if (event.code === 4403) { notice("Chat is for viewers with access to this stream."); return; }
      if (event.code === 4404 && joined) { notice("Chat unavailable."); watchForReturn(); return; }
      if (event.code === 4404 || event.code === 4429) { notice(event.code === 4429 ? "This stream is full." : "Chat unavailable."); return; }
      let wait;
      if (event.code === 1011 && serviceRetryAfter) {
        wait = serviceRetryAfter * 1000 + Math.random() * 1000; // what the server asked, spread over a second
      } else {
        wait = Math.min(15000, 1000 * 2 ** attempt) + Math.random() * 1000; // 1, 2, 4, 8, 15 s, with jitter
        wait = Math.min(wait, 15000);
      }
      serviceRetryAfter = null;
      attempt += 1;
      notice("Reconnecting in " + Math.ceil(wait / 1000) + " s…");
      setTimeout(connect, wait);
    };
  }

  // A premium stream's viewer without access: the server refuses the history (403) and the socket (4403), so the
  // page says so without asking (buying access reloads the page, and then the chat starts).
  if (root.dataset.needsAccess === "1") notice("Chat is for viewers with access to this stream.");
  else catchUp(null, 1).then(connect, connect);
})();
