// The studio's live dashboard around the player and the chat: the stream's status as the room pushes it, ending
// the stream (after a confirmation), viewers now and the peak (the room's viewer_count), the gift feed (the room's
// gift events) and what the creator earned from this stream (GET /streams/{id}/earnings: the ledger's figure,
// asked again as gifts arrive).
(function () {
  "use strict";
  const root = document.getElementById("broadcast");
  if (!root) return;
  const api = "/api/v1/streams/" + root.dataset.streamId;
  const state = document.getElementById("broadcast-state");
  const endButton = document.getElementById("end-stream");
  const endDialog = document.getElementById("end-dialog");
  const viewers = document.getElementById("studio-viewers");
  const peak = document.getElementById("studio-peak");
  const giftCount = document.getElementById("studio-gift-count");
  const earned = document.getElementById("studio-earnings");
  const feed = document.getElementById("gift-feed-list");
  const feedEmpty = document.getElementById("gift-feed-empty");
  const feedEarned = document.getElementById("gift-feed-earned");
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const number = (value) => Number(value).toLocaleString();
  const FEED_MAX = 50;
  const WORDS = {
    scheduled: "Start your encoder with the server and key below: the stream goes live as soon as it connects.",
    live: "You are live.",
    ended: "This broadcast has ended. Its recording appears on the watch page once it is ready.",
  };
  let status = root.dataset.status;

  // --- status and ending the stream -------------------------------------------------------------------------

  function follow(next) {
    if (!next || next === status) return;
    status = next;
    root.dataset.status = status;
    state.textContent = WORDS[status] || "";
    if (endButton) endButton.hidden = status !== "live";
    if (status === "ended") {
      if (endDialog && endDialog.open) endDialog.close();
      viewers.textContent = "0"; // the room is closed: nobody is watching live any more
      // Nothing is left to broadcast to: the key, the encoder settings and the checklist go.
      ["go-live", "stream-setup", "encoder-settings"].forEach((id) => {
        const card = document.getElementById(id);
        if (card && !card.contains(document.activeElement)) card.hidden = true;
      });
    }
    if (status !== "scheduled") earnings();
  }
  document.addEventListener("page:stream-state", (event) => follow(event.detail && event.detail.status));
  document.addEventListener("room:stream_status", (event) => follow(event.detail && event.detail.status));

  if (endButton && endDialog) {
    const problem = endDialog.querySelector(".dialog-error");
    endButton.addEventListener("click", () => {
      problem.textContent = "";
      endDialog.showModal();
    });
    endDialog.querySelector("form").addEventListener("submit", (event) => {
      if (!event.submitter || event.submitter.value !== "end") return; // "Keep streaming": it just closes
      event.preventDefault();
      const confirm = event.submitter;
      confirm.disabled = true;
      fetch(api + "/status", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ action: "stop" }),
      })
        .then((r) => r.json().then((body) => ({ ok: r.ok, body: body }), () => ({ ok: r.ok, body: {} })))
        .then((answer) => {
          if (!answer.ok && answer.body.code !== "invalid_transition") {
            problem.textContent = answer.body.detail || "The stream did not end; try again.";
            return;
          }
          endDialog.close("end");
          // The room says so too (and player.js follows it); an ended stream has nothing left to end.
          follow(answer.ok ? answer.body.status : "ended");
          state.focus();
        }, () => { problem.textContent = "Could not reach the server; the stream is still live."; })
        .then(() => { confirm.disabled = false; });
    });
  }
  state.tabIndex = -1; // where focus goes once the stream has ended (the button that had it is gone)

  // --- viewers now ------------------------------------------------------------------------------------------

  document.addEventListener("room:viewer_count", (event) => {
    const count = Number(event.detail.count) || 0;
    viewers.textContent = number(count);
    if (count > Number(peak.dataset.value || peak.textContent.replace(/\D/g, "") || 0)) {
      peak.dataset.value = String(count);
      peak.textContent = number(count);
    }
  });

  // --- gifts and earnings -----------------------------------------------------------------------------------

  function localTime(node) {
    const when = new Date(node.getAttribute("datetime"));
    if (!isNaN(when.getTime())) node.textContent = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }
  if (feed) feed.querySelectorAll("time").forEach(localTime);

  function giftLine(sent) {
    const item = document.createElement("li");
    item.dataset.id = sent.id;
    const when = document.createElement("time");
    when.setAttribute("datetime", sent.created_at);
    localTime(when);
    const who = document.createElement("strong");
    who.textContent = sent.sender ? sent.sender.display_name : "Someone";
    const coins = document.createElement("span");
    coins.className = "gift-feed-coins";
    coins.textContent = number(sent.total_coins) + " coins";
    item.append(when, " ", who, " sent " + sent.quantity + "× " + sent.gift.name + " ", coins);
    if (sent.message) {
      const said = document.createElement("q");
      said.textContent = sent.message; // text, never markup
      item.append(said);
    }
    return item;
  }

  let asking = null;
  let again = false;
  function earnings() {
    if (asking) { again = true; return; } // one request at a time; the last gift's figure is asked once more
    asking = fetch(api + "/earnings", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((body) => {
        if (!body) return;
        const coins = earned.querySelector(".earned-coins");
        coins.textContent = number(body.coins) + " coins";
        coins.title = body.coins_exact + " coins exactly";
        earned.querySelector(".earned-naira").textContent = "≈ ₦" + Number(body.naira).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
        giftCount.textContent = number(body.gift_count);
        if (feedEarned) {
          feedEarned.textContent = number(body.coins) + " coins";
          const split = document.getElementById("gift-feed-split");
          const exact = (value) => Number(value).toLocaleString(undefined, { maximumFractionDigits: 2 });
          split.textContent = "gifts " + exact(body.gifts_exact) + (split.dataset.premium ? ", access " + exact(body.access_exact) : "");
          document.getElementById("gift-feed-coins").textContent = number(body.gift_coins);
        }
      })
      .catch(() => {})
      .then(() => {
        asking = null;
        if (again) { again = false; earnings(); }
      });
  }

  document.addEventListener("room:gift", (event) => {
    const sent = event.detail.gift;
    if (!sent || !feed || feed.querySelector('[data-id="' + CSS.escape(sent.id) + '"]')) return;
    feed.insertBefore(giftLine(sent), feed.firstChild);
    while (feed.children.length > FEED_MAX) feed.removeChild(feed.lastElementChild);
    if (feedEmpty) feedEmpty.hidden = true;
    earnings();
  });

  // Premium access bought meanwhile has no room event: the figure is asked again every 30 s while live.
  setInterval(() => { if (status === "live" && !document.hidden) earnings(); }, 30000);
})();
