// Live chat on the stream page: one WebSocket, the contract's events, no framework.
(function () {
  "use strict";
  const root = document.getElementById("chat");
  if (!root) return;
  const streamId = root.dataset.streamId;
  const signedIn = root.dataset.signedIn === "1";
  const list = root.querySelector(".chat-messages");
  const form = root.querySelector("form");
  const input = form ? form.querySelector("input") : null;
  const status = root.querySelector(".chat-status");
  const viewers = document.getElementById("viewer-count");
  const MAX_SHOWN = 300;
  let socket = null;
  let retry = 1000;

  function line(className, parts) {
    const item = document.createElement("li");
    item.className = className;
    for (const [tag, text, cls] of parts) {
      const node = document.createElement(tag);
      node.textContent = text; // never innerHTML: chat is stored raw
      if (cls) node.className = cls;
      item.appendChild(node);
    }
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.appendChild(item);
    while (list.children.length > MAX_SHOWN) list.removeChild(list.firstChild);
    if (atBottom) list.scrollTop = list.scrollHeight;
    return item;
  }

  function showMessage(message) {
    const badges = (message.user.badges || []).join(" ");
    const item = line("chat-line " + (message.message_type === "emote" ? "emote" : ""), [
      ["strong", message.user.display_name, badges],
      ["span", " " + message.content, "text"],
    ]);
    item.dataset.id = message.id;
  }

  function notice(text) {
    status.textContent = text;
  }

  const handlers = {
    chat_message: (e) => showMessage(e.message),
    message_deleted: (e) => {
      const item = list.querySelector('[data-id="' + CSS.escape(e.message_id) + '"]');
      if (item) item.remove();
    },
    viewer_count: (e) => { if (viewers) viewers.textContent = e.count + " watching"; },
    chat_settings: (e) => {
      const off = e.chat_enabled === false;
      if (input) { input.disabled = off; input.placeholder = off ? "Chat is off" : "Say something…"; }
      const rules = [];
      if (e.slow_mode) rules.push("slow mode " + e.slow_mode + " s");
      if (e.followers_only) rules.push("followers only");
      if (e.emote_only) rules.push("emote only");
      notice(rules.join(" · "));
    },
    stream_status: (e) => { if (e.status === "ended") notice("The stream has ended."); },
    gift: (e) => line("chat-line gift", [["span", "🎁 " + (e.gift.sender ? e.gift.sender.display_name : "Someone") + " sent " + e.gift.quantity + "× " + e.gift.gift.name]]),
    error: (e) => line("chat-line error", [["span", e.detail || e.code]]),
  };

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/api/v1/streams/" + streamId + "/chat");
    socket.onopen = () => { retry = 1000; notice(""); };
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      const handler = handlers[event.type];
      if (handler) handler(event);
      // The room's events for the page's other modules (player, gift moment): listen for "room:<type>".
      document.dispatchEvent(new CustomEvent("room:" + event.type, { detail: event }));
    };
    socket.onclose = (event) => {
      if (event.code === 4403) { notice("Chat is for viewers with access to this stream."); return; }
      if (event.code === 4404 || event.code === 4429) { notice(event.code === 4429 ? "This stream is full." : "Chat unavailable."); return; }
      notice("Reconnecting…");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  fetch("/api/v1/streams/" + streamId + "/chat?limit=50", { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : { results: [] }))
    .then((body) => { body.results.reverse().forEach(showMessage); connect(); })
    .catch(connect);

  if (form && signedIn) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const content = input.value.trim();
      if (!content || !socket || socket.readyState !== WebSocket.OPEN) return;
      socket.send(JSON.stringify({ type: "chat_message", content: content, message_type: "text" }));
      input.value = "";
    });
  }
})();
