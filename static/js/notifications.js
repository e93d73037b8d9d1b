// The header bell (unread count, a panel of the latest notifications, mark all read) kept live over the
// user's notification socket, and the "Remind me" forms of scheduled streams. Signed-in pages only.
(function () {
  "use strict";
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const api = (path, options = {}) =>
    fetch("/api/v1/" + path, {
      credentials: "same-origin",
      ...options,
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf, ...(options.headers || {}) },
    });

  // --- The bell ---------------------------------------------------------------------------------------
  const bell = document.querySelector("[data-notifications]");
  if (bell) {
    const button = bell.querySelector("#bell-button");
    const panel = bell.querySelector("#bell-panel");
    const list = bell.querySelector("#bell-list");
    const badge = bell.querySelector("#bell-count");
    const live = bell.querySelector("#bell-live");
    const readAll = bell.querySelector("#bell-read-all");
    let count = parseInt(badge.textContent, 10) || 0;

    const setCount = (value) => {
      count = Math.max(0, value | 0);
      badge.textContent = count > 99 ? "99+" : String(count);
      badge.hidden = count === 0;
      button.setAttribute("aria-label", `Notifications, ${count} unread`);
      readAll.hidden = count === 0;
    };
    setCount(count);

    const item = (n) => {
      const li = document.createElement("li");
      li.className = "bell-item" + (n.read ? "" : " unread");
      const a = document.createElement("a");
      a.href = n.url || "/notifications/";
      const title = document.createElement("strong");
      title.textContent = n.title;
      a.append(title);
      if (n.body) {
        const body = document.createElement("span");
        body.className = "notification-body";
        body.textContent = n.body;
        a.append(body);
      }
      if (!n.read) {
        const flag = document.createElement("span");
        flag.className = "visually-hidden";
        flag.textContent = " (unread)";
        a.append(flag);
      }
      li.append(a);
      return li;
    };

    const load = async () => {
      try {
        const response = await api("notifications?limit=10");
        if (!response.ok) return;
        const body = await response.json();
        list.replaceChildren(...body.results.map(item));
        if (!body.results.length) {
          const empty = document.createElement("li");
          empty.className = "bell-empty";
          empty.textContent = "Nothing yet.";
          list.append(empty);
        }
      } catch (error) {
        /* offline: the panel keeps what it had */
      }
    };

    const open = () => {
      panel.hidden = false;
      button.setAttribute("aria-expanded", "true");
      load();
      const first = panel.querySelector("a, button:not([hidden])");
      if (first) first.focus();
    };
    const close = (returnFocus) => {
      if (panel.hidden) return;
      panel.hidden = true;
      button.setAttribute("aria-expanded", "false");
      if (returnFocus) button.focus();
    };
    button.addEventListener("click", () => (panel.hidden ? open() : close(true)));
    bell.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !panel.hidden) {
        event.preventDefault();
        close(true);
      }
    });
    document.addEventListener("click", (event) => {
      if (!bell.contains(event.target)) close(false);
    });
    readAll.addEventListener("click", async () => {
      const response = await api("notifications/read", { method: "POST", body: JSON.stringify({ all: true }) });
      if (response.ok) {
        setCount((await response.json()).unread_count);
        list.querySelectorAll(".unread").forEach((li) => li.classList.remove("unread"));
        list.querySelectorAll(".visually-hidden").forEach((flag) => flag.remove());
        live.textContent = "All notifications marked read.";
      }
    });

    // The socket: the count and new notifications as they are stored; reconnects with a growing pause.
    let delay = 1000;
    const connect = () => {
      const scheme = location.protocol === "https:" ? "wss://" : "ws://";
      const socket = new WebSocket(scheme + location.host + "/ws/notifications/");
      let pinger = null;
      socket.addEventListener("open", () => {
        delay = 1000;
        // Keeps this page counted as listening (the server forgets a socket it has not heard of in 3 minutes).
        pinger = setInterval(() => socket.send(JSON.stringify({ type: "ping" })), 60000);
      });
      socket.addEventListener("message", (message) => {
        let event;
        try {
          event = JSON.parse(message.data);
        } catch (error) {
          return;
        }
        if (event.type === "unread_count") {
          setCount(event.count);
          bell.dataset.connected = "1"; // the server has this socket in the user's group (tests wait on it)
        }
        if (event.type === "notification") {
          setCount(event.unread_count);
          live.textContent = event.notification.title;
          if (!panel.hidden) list.prepend(item(event.notification));
          document.dispatchEvent(new CustomEvent("notifications:new", { detail: event.notification }));
        }
      });
      socket.addEventListener("close", (event) => {
        clearInterval(pinger);
        delete bell.dataset.connected;
        if (event.code === 4401) return; // signed out: nothing to hear
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      });
    };
    connect();
  }

  // --- "Remind me" --------------------------------------------------------------------------------------
  document.querySelectorAll("form[data-remind]").forEach((form) => {
    const submit = form.querySelector(".remind-button");
    const cancel = form.querySelector(".remind-cancel");
    const status = form.querySelector(".remind-status");
    const select = form.querySelector("select");
    const url = `streams/${form.dataset.remind}/reminder`;
    const show = (set, text) => {
      submit.textContent = set ? "Reminder set" : "Remind me";
      submit.setAttribute("aria-pressed", set ? "true" : "false");
      cancel.hidden = !set;
      status.textContent = text;
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const minutes = parseInt(select.value, 10);
      const response = await api(url, { method: "POST", body: JSON.stringify({ minutes_before: minutes }) });
      const body = await response.json().catch(() => ({}));
      if (response.ok) show(true, `We will remind you ${minutes} minutes before it starts.`);
      else status.textContent = body.detail || "Could not set the reminder.";
    });
    cancel.addEventListener("click", async () => {
      const response = await api(url, { method: "DELETE" });
      if (response.ok || response.status === 404) {
        show(false, "Reminder cancelled.");
        submit.focus();
      }
    });
  });
})();
