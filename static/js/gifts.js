// Gift panel on the stream page: the catalogue, the viewer's coins, send with an Idempotency-Key.
(function () {
  "use strict";
  const panel = document.getElementById("gift-panel");
  if (!panel) return;
  const streamId = panel.dataset.streamId;
  const grid = panel.querySelector(".gift-grid");
  const balance = panel.querySelector(".gift-balance");
  const quantity = panel.querySelector("input[name=quantity]");
  const status = panel.querySelector(".gift-status");
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  let coins = 0;

  function showBalance() { balance.textContent = coins.toLocaleString() + " coins"; }

  function send(gift, button) {
    const count = Math.max(1, Math.min(100, parseInt(quantity.value, 10) || 1));
    const total = gift.cost_in_coins * count;
    if (total > coins) { status.textContent = "Not enough coins for " + count + "× " + gift.name + " (" + total + ")."; return; }
    button.disabled = true;
    fetch("/api/v1/streams/" + streamId + "/gifts", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Idempotency-Key": crypto.randomUUID() },
      body: JSON.stringify({ gift_id: gift.id, quantity: count }),
    })
      .then((r) => r.json().then((body) => ({ ok: r.ok, body: body })))
      .then(({ ok, body }) => {
        if (ok) { coins -= body.total_coins; showBalance(); status.textContent = "Sent " + count + "× " + gift.name + "!"; }
        else { status.textContent = body.detail || "Could not send that gift."; }
      })
      .catch(() => { status.textContent = "Network trouble; nothing was charged twice. Try again."; })
      .finally(() => { button.disabled = false; });
  }

  Promise.all([
    fetch("/api/v1/gifts").then((r) => r.json()),
    fetch("/api/v1/currency/balance", { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : { balance: 0 })),
  ]).then(([gifts, wallet]) => {
    coins = wallet.balance;
    showBalance();
    for (const gift of gifts) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "gift rarity-" + gift.rarity;
      button.title = gift.name + " (" + gift.rarity + ")";
      if (gift.image_url) {
        const img = document.createElement("img");
        img.src = gift.image_url; img.alt = ""; img.width = 48; img.height = 48;
        button.appendChild(img);
      }
      const label = document.createElement("span");
      label.textContent = gift.name + " · " + gift.cost_in_coins;
      button.appendChild(label);
      button.addEventListener("click", () => send(gift, button));
      grid.appendChild(button);
    }
  });
})();
