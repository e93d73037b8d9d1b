// The creator's stream health panel: what the encoder sends, polled every 5 s while the page is visible.
(function () {
  "use strict";
  const panel = document.getElementById("stream-health");
  if (!panel) return;
  const POLL_MS = 5000;
  const KEYFRAME_MAX_SECONDS = 2; // the server warns above this too; the figure is marked to match
  const state = panel.querySelector(".health-state");
  const warnings = panel.querySelector(".health-warnings");
  const field = (name) => panel.querySelector('[data-field="' + name + '"]');
  let timer = null;
  let asking = false; // one request at a time, however often the tab is shown and hidden

  function set(name, text, bad) {
    const node = field(name);
    node.textContent = text;
    node.classList.toggle("bad", Boolean(bad));
  }

  function render(health) {
    panel.classList.toggle("publishing", health.publishing);
    state.textContent = health.publishing ? "Receiving your broadcast." : "Not receiving anything from your encoder yet.";
    const has = (value) => value !== null && value !== undefined;
    set("bitrate", has(health.bitrate_kbps) ? health.bitrate_kbps.toLocaleString() + " kbps" : "–");
    set("fps", has(health.fps) ? (Math.round(health.fps * 10) / 10) + " fps" : "–");
    set("resolution", health.width && health.height ? health.width + "×" + health.height : "–");
    const keyframes = health.keyframe_interval_seconds;
    set("keyframes", has(keyframes) ? keyframes.toFixed(1) + " s" : "–", has(keyframes) && keyframes > KEYFRAME_MAX_SECONDS);
    warnings.replaceChildren(
      ...(health.warnings || []).map((warning) => {
        const item = document.createElement("li");
        item.className = "health-warning";
        item.dataset.code = warning.code;
        item.textContent = warning.detail || warning.code; // text, never markup
        return item;
      })
    );
  }

  function poll() {
    clearTimeout(timer);
    if (asking) return;
    asking = true;
    fetch("/api/v1/streams/" + panel.dataset.streamId + "/health", { credentials: "same-origin" })
      .then((r) => {
        if (r.status === 401 || r.status === 403 || r.status === 404) {
          state.textContent = "Stream health is unavailable (signed out?).";
          return null; // stop: asking again will not help
        }
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json().then((health) => { render(health); return true; });
      })
      .catch(() => { state.textContent = "Could not reach the server; trying again…"; return true; })
      .then((again) => {
        asking = false;
        if (again && !document.hidden) timer = setTimeout(poll, POLL_MS);
      });
  }

  // A hidden tab does not poll; coming back asks at once.
  document.addEventListener("visibilitychange", () => {
    clearTimeout(timer);
    if (!document.hidden) poll();
  });
  poll();
})();
