// The gift panel on the stream page: a modal dialog (a bottom sheet on phones) with the catalogue by category,
// quantity, message, anonymity, the total in coins and naira, and a confirmation above the viewer's own
// threshold. It talks to the REST API as any client would; the room hears the gift through the chat socket.
(function () {
  "use strict";
  const panel = document.getElementById("gift-panel");
  const opener = document.getElementById("gift-open");
  if (!panel || !opener) return;

  const QUANTITY_MAX = 100;
  const streamId = panel.dataset.streamId;
  const nairaPerCoin = parseFloat(panel.dataset.nairaPerCoin) || 0;
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const $ = (selector) => panel.querySelector(selector);
  const balanceText = $(".gift-balance");
  const tabs = Array.from(panel.querySelectorAll("[role=tab]"));
  const grid = $("#gift-grid");
  const form = $(".gift-form");
  const choice = $("#gift-choice");
  const quantity = $("#gift-quantity");
  const message = $("#gift-message");
  const messageCount = $("#gift-message-count");
  const anonymous = $("#gift-anonymous");
  const total = $("#gift-total");
  const short = $(".gift-short");
  const confirmBox = $(".gift-confirm");
  const confirmText = $("#gift-confirm-text");
  const sendButton = $(".gift-send");
  const status = $(".gift-status");
  const threshold = $("#gift-threshold");
  const thresholdStatus = $("#gift-threshold-status");

  let gifts = [];
  let selected = null;
  let coins = null; // unknown until the balance arrives
  let category = "";
  let sending = false;
  let pendingKey = null; // one Idempotency-Key per intended send, kept across a retry after a network failure
  let confirmThreshold = parseInt(panel.dataset.threshold, 10);
  if (!(confirmThreshold >= 0)) confirmThreshold = 100;

  const RARITY = { common: "Common", rare: "Rare", epic: "Epic", legendary: "Legendary" };
  // Intl's first formatter starts ICU (tens of milliseconds on a phone): made when a naira price is first shown
  // (the panel opening), not while the page loads.
  let naira = null;
  const grouped = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); // 12,345 in the site's English
  const plural = (n, word) => grouped(n) + " " + word + (n === 1 ? "" : "s");
  const approxNaira = (coinCount) => {
    if (!nairaPerCoin) return "";
    naira = naira || new Intl.NumberFormat("en-NG", { style: "currency", currency: "NGN", maximumFractionDigits: 0 });
    return " ≈ " + naira.format(coinCount * nairaPerCoin);
  };

  function api(method, url, body, extraHeaders) {
    const headers = { "X-CSRFToken": csrf };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    Object.assign(headers, extraHeaders || {});
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.json().catch(() => ({})).then((data) => ({ ok: r.ok, status: r.status, data: data })));
  }

  // --- Opening, closing, and keeping focus inside ----------------------------------------------------------

  function focusables() {
    // What Tab can reach: not disabled, not hidden, not inside a closed <details> (its summary apart).
    return Array.from(panel.querySelectorAll("button, input, a[href], summary, [tabindex]")).filter(
      (el) =>
        !el.disabled &&
        el.tabIndex >= 0 &&
        el.getClientRects().length > 0 &&
        !el.closest("[hidden]") &&
        (el.tagName === "SUMMARY" || !el.closest("details:not([open])"))
    );
  }

  function open() {
    if (panel.open) return;
    update(); // the markup starts at "Total: 0 coins" and a disabled Send: nothing to format before the first open
    panel.showModal();
    document.body.classList.add("gift-panel-open");
    refreshBalance();
    if (!gifts.length) loadCatalogue();
    (panel.querySelector("[role=tab][aria-selected=true]") || focusables()[0]).focus();
  }

  function close() {
    if (!panel.open) return;
    hideConfirm(false);
    panel.close();
  }

  panel.addEventListener("close", () => {
    document.body.classList.remove("gift-panel-open");
    if (!opener.hidden) opener.focus(); // back where the viewer was (a stream that ended hides the button)
  });

  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault(); // ours to handle: Escape first leaves a pending confirmation, then the panel
      if (!confirmBox.hidden) hideConfirm(true);
      else close();
      return;
    }
    if (event.key !== "Tab") return;
    const items = focusables();
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && (document.activeElement === first || !panel.contains(document.activeElement))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (document.activeElement === last || !panel.contains(document.activeElement))) {
      event.preventDefault();
      first.focus();
    }
  });
  // The platform's own Escape (a close request that skipped keydown) goes through the same path.
  panel.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (!confirmBox.hidden) hideConfirm(true);
    else close();
  });
  // A click on the backdrop (outside the dialog's box) closes it, as a sheet or popover would.
  panel.addEventListener("click", (event) => {
    if (event.target !== panel) return;
    const box = panel.getBoundingClientRect();
    const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) close();
  });
  $(".gift-close").addEventListener("click", close);
  opener.addEventListener("click", open);

  // --- The catalogue --------------------------------------------------------------------------------------

  function loadCatalogue() {
    fetch("/api/v1/gifts", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : Promise.reject(r)))
      .then((list) => {
        gifts = list;
        renderGrid();
      })
      .catch(() => {
        grid.textContent = "";
        const p = document.createElement("p");
        p.textContent = "The gifts could not be loaded. Close the panel and try again.";
        grid.appendChild(p);
      });
  }

  function giftButton(gift) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "gift-item rarity-" + gift.rarity;
    button.dataset.giftId = gift.id;
    button.setAttribute("aria-pressed", String(selected !== null && selected.id === gift.id));
    if (gift.image_url) {
      const img = document.createElement("img");
      img.src = gift.image_url;
      img.alt = "";
      img.width = 56;
      img.height = 56;
      img.loading = "lazy";
      button.appendChild(img);
    }
    const name = document.createElement("span");
    name.className = "gift-item-name";
    name.textContent = gift.name;
    const badge = document.createElement("span");
    badge.className = "rarity-badge rarity-" + gift.rarity;
    badge.textContent = RARITY[gift.rarity] || gift.rarity;
    const cost = document.createElement("span");
    cost.className = "gift-item-cost";
    cost.textContent = plural(gift.cost_in_coins, "coin") + approxNaira(gift.cost_in_coins);
    button.append(name, badge, cost);
    button.addEventListener("click", () => select(gift));
    return button;
  }

  function renderGrid() {
    grid.textContent = "";
    const shown = gifts.filter((gift) => !category || gift.category === category);
    if (!shown.length) {
      const p = document.createElement("p");
      p.textContent = "No gifts in this category yet.";
      grid.appendChild(p);
      return;
    }
    for (const gift of shown) grid.appendChild(giftButton(gift));
  }

  function selectTab(tab, focus) {
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
    }
    grid.setAttribute("aria-labelledby", tab.id);
    category = tab.dataset.category;
    if (focus) tab.focus();
    renderGrid();
  }

  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => selectTab(tab, false));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: tabs.length - 1 - index };
      if (!(event.key in moves)) return;
      event.preventDefault();
      selectTab(tabs[(index + moves[event.key] + tabs.length) % tabs.length], true);
    });
  });

  function select(gift) {
    selected = gift;
    pendingKey = null;
    for (const button of grid.querySelectorAll(".gift-item")) {
      button.setAttribute("aria-pressed", String(button.dataset.giftId === gift.id));
    }
    choice.textContent =
      gift.name + " · " + (RARITY[gift.rarity] || gift.rarity) + " · " + plural(gift.cost_in_coins, "coin") + approxNaira(gift.cost_in_coins) + " each";
    status.textContent = "";
    update();
  }

  // --- Quantity, message, total ---------------------------------------------------------------------------

  function count() {
    const n = parseInt(quantity.value, 10);
    return Math.max(1, Math.min(QUANTITY_MAX, Number.isFinite(n) ? n : 1));
  }

  function totalCoins() {
    return selected ? selected.cost_in_coins * count() : 0;
  }

  function update() {
    const n = count();
    for (const step of panel.querySelectorAll(".gift-step")) {
      step.disabled = step.dataset.step === "-1" ? n <= 1 : n >= QUANTITY_MAX;
    }
    const cost = totalCoins();
    total.textContent = "Total: " + plural(cost, "coin") + approxNaira(cost);
    const cannotPay = selected !== null && coins !== null && cost > coins;
    short.hidden = !cannotPay;
    sendButton.disabled = sending || !selected || cannotPay || coins === null;
    sendButton.textContent = selected ? "Send " + n + "× " + selected.name : "Send gift";
  }

  panel.querySelectorAll(".gift-step").forEach((step) => {
    step.addEventListener("click", () => {
      quantity.value = String(Math.max(1, Math.min(QUANTITY_MAX, count() + parseInt(step.dataset.step, 10))));
      pendingKey = null;
      update();
    });
  });
  quantity.addEventListener("input", () => { pendingKey = null; update(); });
  quantity.addEventListener("change", () => { quantity.value = String(count()); update(); });
  message.addEventListener("input", () => {
    pendingKey = null;
    messageCount.textContent = message.value.length + "/200";
  });
  anonymous.addEventListener("change", () => { pendingKey = null; });

  function showBalance() {
    balanceText.textContent = coins === null ? "… coins" : plural(coins, "coin");
    const header = document.getElementById("header-coins"); // the page header's wallet link says it too
    if (header && coins !== null) {
      header.textContent = String(coins);
      header.closest("a").setAttribute("aria-label", "Wallet: " + coins + " coins");
    }
  }

  function refreshBalance() {
    return fetch("/api/v1/currency/balance", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : Promise.reject(r)))
      .then((body) => { coins = body.balance; })
      .catch(() => { if (coins === null) balanceText.textContent = "Balance unavailable"; })
      .then(() => { if (coins !== null) showBalance(); update(); });
  }

  // --- Confirming and sending -----------------------------------------------------------------------------

  function showConfirm() {
    const n = count();
    confirmText.textContent =
      "Send " + n + "× " + selected.name + " for " + plural(totalCoins(), "coin") + approxNaira(totalCoins()) +
      "? That is more than your " + plural(confirmThreshold, "coin") + " limit for sending without asking.";
    confirmBox.hidden = false;
    sendButton.hidden = true;
    $(".gift-confirm-yes").focus();
  }

  function hideConfirm(refocus) {
    if (confirmBox.hidden) return;
    confirmBox.hidden = true;
    sendButton.hidden = false;
    if (refocus) sendButton.focus();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!selected || sending) return;
    if (totalCoins() > confirmThreshold) showConfirm();
    else send();
  });
  $(".gift-confirm-yes").addEventListener("click", () => { hideConfirm(false); send(); });
  $(".gift-confirm-no").addEventListener("click", () => { hideConfirm(true); status.textContent = "Not sent."; });

  function send() {
    const gift = selected;
    const n = count();
    if (!pendingKey) pendingKey = crypto.randomUUID();
    sending = true;
    update();
    status.textContent = "Sending…";
    api(
      "POST",
      "/api/v1/streams/" + streamId + "/gifts",
      { gift_id: gift.id, quantity: n, message: message.value.trim(), is_anonymous: anonymous.checked },
      { "Idempotency-Key": pendingKey }
    )
      .then(({ ok, status: code, data }) => {
        pendingKey = null; // an answer, either way: the next send is a new one
        if (ok) {
          coins = Math.max(0, (coins || 0) - data.total_coins);
          showBalance();
          status.textContent = "Sent " + n + "× " + gift.name + ".";
          quantity.value = "1";
          message.value = "";
          messageCount.textContent = "0/200";
          return;
        }
        if (data.code === "insufficient_coins") refreshBalance();
        status.textContent = data.detail || (code === 403 || code === 401 ? "Log in again to send gifts." : "That gift could not be sent.");
      })
      .catch(() => {
        status.textContent = "Network trouble: nothing was charged twice. Send again to retry.";
      })
      .finally(() => {
        sending = false;
        update();
        if (!sendButton.hidden && panel.open && !panel.contains(document.activeElement)) sendButton.focus();
      });
  }

  // --- The viewer's confirmation threshold, kept on their account -------------------------------------------

  threshold.addEventListener("change", () => {
    const value = Number(threshold.value);
    if (!Number.isInteger(value) || value < 0 || value > 1000000) {
      thresholdStatus.textContent = "Enter whole coins from 0 to 1,000,000.";
      return;
    }
    thresholdStatus.textContent = "Saving…";
    api("PATCH", "/api/v1/users/me", { gift_confirm_threshold: value })
      .then(({ ok, data }) => {
        if (ok) {
          confirmThreshold = data.gift_confirm_threshold;
          threshold.value = String(confirmThreshold);
          thresholdStatus.textContent =
            confirmThreshold === 0 ? "Saved: every gift asks first." : "Saved: gifts over " + plural(confirmThreshold, "coin") + " ask first.";
        } else {
          thresholdStatus.textContent = (data.gift_confirm_threshold || [data.detail || "Not saved."])[0];
        }
      })
      .catch(() => { thresholdStatus.textContent = "Not saved: network trouble."; });
  });
  threshold.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault(); // not a send: Enter here saves the setting
      threshold.dispatchEvent(new Event("change"));
    }
  });

  // --- Following the stream's state -------------------------------------------------------------------------

  function follow(state) {
    const live = state === "live";
    if (!live && panel.open) close();
    opener.hidden = !live;
  }
  document.addEventListener("page:stream-state", (event) => { if (event.detail && event.detail.status) follow(event.detail.status); });
  document.addEventListener("room:stream_status", (event) => { if (event.detail && event.detail.status) follow(event.detail.status); });
})();
