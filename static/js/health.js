// The studio's go-live checklist and stream health: what the encoder sends (GET /streams/{id}/health, every
// 2.5 s while the page is visible and the stream has not ended), the stream's status as the room pushes it
// (page:stream-state, room:stream_status) and whether the page's own player plays the broadcast.
(function () {
  "use strict";
  const panel = document.getElementById("go-live");
  if (!panel) return;
  const POLL_MS = 2500;
  const MEASURE_SECONDS = 6; // nginx-rtmp reports metadata and bitrates a few seconds after the publish starts
  const keyframeMax = Number(panel.dataset.keyframeMax) || 2;
  const summary = panel.querySelector(".checklist-summary");
  const warnings = panel.querySelector(".health-warnings");
  const video = document.getElementById("player");
  const field = (name) => panel.querySelector('[data-field="' + name + '"]');
  const WORDS = { ok: "Done", waiting: "Waiting", bad: "Needs attention" };
  let status = panel.dataset.status;
  let health = { publishing: false, warnings: [] };
  let playing = false;
  let timer = null;
  let asking = false; // one request at a time, however often the tab is shown and hidden

  function check(name, state, detail) {
    const item = panel.querySelector('[data-check="' + name + '"]');
    item.dataset.state = state;
    item.querySelector(".check-state").textContent = WORDS[state]; // words as well as the colour and mark
    item.querySelector(".check-detail").textContent = detail || "";
  }

  function figure(name, text, bad) {
    const node = field(name);
    node.textContent = text;
    node.classList.toggle("bad", Boolean(bad));
  }

  const has = (value) => value !== null && value !== undefined;
  const warned = (code) => (health.warnings || []).some((warning) => warning.code === code);

  // The real-time path while live: on (with how many watch that way), not ready yet (HLS only meanwhile), or off.
  function webrtcWords(webrtc) {
    if (!webrtc) return "–";
    if (!webrtc.enabled) return "Off: viewers watch HLS";
    if (!webrtc.mounted) return "Not ready: viewers watch HLS";
    return "On" + (has(webrtc.viewers) ? ", " + webrtc.viewers + " watching" : "");
  }

  function render() {
    const on = Boolean(health.publishing);
    const settling = on && (health.seconds_live || 0) < MEASURE_SECONDS;
    if (status === "ended") check("encoder", "waiting", "The stream has ended.");
    else if (on) check("encoder", "ok", "Receiving your broadcast.");
    else if (warned("media_server_unavailable")) check("encoder", "bad", "The media server did not answer; trying again.");
    else if (status === "live") check("encoder", "bad", "Your encoder is not connected: start it again (with the new key if you reset it).");
    else check("encoder", "waiting", "Start streaming in OBS (or run the ffmpeg command below).");

    const kbps = health.video_kbps || health.bitrate_kbps || 0;
    if (!on) check("video", "waiting", "");
    else if (warned("no_video")) check("video", "bad", "No video is arriving from the encoder.");
    else if (kbps > 0) check("video", "ok", kbps.toLocaleString() + " kbps" + (health.width ? ", " + health.width + "×" + health.height : ""));
    else check("video", "waiting", "Measuring the bitrate…");

    const keyframes = health.keyframe_interval_seconds;
    if (!on) check("keyframes", "waiting", "");
    else if (!has(keyframes)) check("keyframes", "waiting", "Measuring (it takes a few video segments)…");
    else if (keyframes > keyframeMax + 0.05) check("keyframes", "bad", "Every " + keyframes.toFixed(1) + " s: set your encoder's keyframe interval to " + keyframeMax + " s.");
    else check("keyframes", "ok", "Every " + keyframes.toFixed(1) + " s.");

    if (!on) check("audio", "waiting", "");
    else if (health.audio_codec) check("audio", "ok", health.audio_codec + (health.audio_kbps ? ", " + health.audio_kbps + " kbps" : ""));
    else if (settling) check("audio", "waiting", "Listening…");
    else check("audio", "bad", "No audio track: add an audio source (a microphone, or desktop audio) in your encoder.");

    if (status === "live" && playing) check("playback", "ok", "Your stream is playing below, as viewers see it.");
    else if (status === "live" && on) check("playback", "waiting", "Preparing the video for viewers…");
    else if (status === "live") check("playback", "waiting", "Viewers wait for your encoder.");
    else check("playback", "waiting", status === "ended" ? "The stream has ended." : "The stream goes live when your encoder connects.");

    figure("bitrate", has(health.bitrate_kbps) ? health.bitrate_kbps.toLocaleString() + " kbps" : "–");
    figure("fps", has(health.fps) ? Math.round(health.fps * 10) / 10 + " fps" : "–");
    figure("resolution", health.width && health.height ? health.width + "×" + health.height : "–");
    figure("keyframes", has(keyframes) ? keyframes.toFixed(1) + " s" : "–", has(keyframes) && keyframes > keyframeMax + 0.05);
    figure("webrtc", webrtcWords(health.webrtc), status === "live" && health.webrtc && health.webrtc.enabled && !health.webrtc.mounted);
    warnings.replaceChildren(
      ...(health.warnings || []).map((warning) => {
        const item = document.createElement("li");
        item.className = "health-warning";
        item.dataset.code = warning.code;
        item.textContent = warning.detail || warning.code; // text, never markup
        return item;
      })
    );

    const states = Array.from(panel.querySelectorAll("[data-check]"), (item) => item.dataset.state);
    const ready = states.filter((state) => state === "ok").length;
    let words;
    if (status === "ended") words = "The stream has ended.";
    else if (ready === states.length) words = "All set: you are live and viewers can watch.";
    else if (!on) words = status === "live" ? "Waiting for your encoder to reconnect." : "Waiting for your encoder.";
    else words = ready + " of " + states.length + " ready" + (states.includes("bad") ? ": something needs attention." : ".");
    if (summary.textContent !== words) summary.textContent = words; // said only when it changes
    panel.dataset.ready = String(ready === states.length);
  }

  function poll() {
    clearTimeout(timer);
    if (asking || status === "ended") return;
    asking = true;
    fetch("/api/v1/streams/" + panel.dataset.streamId + "/health", { credentials: "same-origin" })
      .then((r) => {
        if (r.status === 401 || r.status === 403 || r.status === 404) {
          summary.textContent = "Stream health is unavailable (signed out?).";
          return false; // stop: asking again will not help
        }
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json().then((body) => { health = body; render(); return true; });
      })
      .catch(() => { summary.textContent = "Could not reach the server; trying again…"; return true; })
      .then((again) => {
        asking = false;
        if (again && !document.hidden && status !== "ended") timer = setTimeout(poll, POLL_MS);
      });
  }

  function follow(next) {
    if (!next || next === status) return;
    status = next;
    panel.dataset.status = status;
    if (status === "ended") { clearTimeout(timer); health = { publishing: false, warnings: [] }; playing = false; }
    render();
    poll(); // live: ask at once rather than at the next tick
  }

  document.addEventListener("page:stream-state", (event) => follow(event.detail && event.detail.status));
  document.addEventListener("room:stream_status", (event) => follow(event.detail && event.detail.status));
  if (video) {
    const watch = () => {
      const now = !video.paused && video.readyState >= 3;
      if (now !== playing) { playing = now; render(); }
    };
    ["playing", "pause", "waiting", "emptied", "ended", "canplay"].forEach((name) => video.addEventListener(name, watch));
  }
  // A hidden tab does not poll; coming back asks at once.
  document.addEventListener("visibilitychange", () => {
    clearTimeout(timer);
    if (!document.hidden) poll();
  });
  render();
  poll();
})();
