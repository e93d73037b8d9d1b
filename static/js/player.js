// Stream page video: the live HLS ladder (hls.js over MSE; the browser's own HLS where that is the better
// player), replays of an ended stream (MP4), and buying access to a premium stream with coins.
(function () {
  "use strict";
  const RETRY_MS = 3000; // how often a live page asks again for a playlist that is not there yet
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";

  function streamBody(streamId) {
    return fetch("/api/v1/streams/" + streamId, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null));
  }

  // --- Live ------------------------------------------------------------------------------------------

  function livePlayer(video) {
    const streamId = video.dataset.streamId;
    const lowLatency = video.dataset.latency === "low";
    const overlay = document.getElementById("player-state");
    const bar = document.querySelector(".player-bar");
    const menu = document.getElementById("quality");
    let url = video.dataset.hlsUrl;
    let hls = null;
    let retryTimer = null;
    let played = false;
    let mediaErrorAt = 0;
    let networkErrors = 0;

    function show(text, link) {
      overlay.textContent = text;
      if (link) {
        const a = document.createElement("a");
        a.href = link.href;
        a.textContent = link.text;
        overlay.append(" ", a);
      }
      overlay.hidden = !text;
    }

    function play() {
      const attempt = video.play();
      if (!attempt) return;
      // Browsers refuse sound before the viewer has touched the page; start muted rather than not at all.
      attempt.catch((error) => {
        if (error.name !== "NotAllowedError" || video.muted) return;
        video.muted = true;
        video.play().catch(() => {});
      });
    }

    // A live stream whose playlist is missing has not started yet (or its encoder dropped); a stream the
    // API calls ended will not come back, so the page offers its recording instead of retrying forever.
    function waitForBroadcast(restart) {
      clearTimeout(retryTimer);
      show(played ? "The broadcast paused. Waiting for it to come back…" : "Waiting for the broadcast to start…");
      retryTimer = setTimeout(() => {
        streamBody(streamId)
          .catch(() => null)
          .then((body) => {
            if (body && body.status === "ended") {
              show("The broadcast has ended.", { href: location.pathname, text: "See the recording" });
              return;
            }
            if (body && body.has_access === false) {
              location.reload(); // access lapsed: the page shows how to buy it
              return;
            }
            if (body && body.hls_url) url = body.hls_url;
            restart();
          });
      }, RETRY_MS);
    }

    // A premium URL's playback token expires; the API hands a viewer who still has access a fresh one.
    function renewAccess(restart) {
      streamBody(streamId)
        .catch(() => null)
        .then((body) => {
          if (body && body.hls_url) {
            url = body.hls_url;
            restart();
          } else if (body && body.has_access === false) {
            location.reload();
          } else {
            waitForBroadcast(restart);
          }
        });
    }

    function levelName(level) {
      const named = /_(src|\d+p)\.m3u8/i.exec(level.url || "");
      if (named) return named[1].toLowerCase() === "src" ? "Source" : named[1];
      if (level.height) return level.height + "p";
      return Math.round(level.bitrate / 1000) + " kbps";
    }

    function buildMenu(levels) {
      menu.replaceChildren(new Option("Auto", "-1"));
      levels
        .map((level, index) => ({ level, index }))
        .sort((a, b) => b.level.bitrate - a.level.bitrate)
        .forEach(({ level, index }) => menu.add(new Option(levelName(level), String(index))));
      menu.value = "-1";
      bar.hidden = levels.length < 2;
    }

    function startHlsJs() {
      if (hls) hls.destroy();
      hls = new Hls({
        lowLatencyMode: lowLatency,
        liveSyncDurationCount: lowLatency ? 2 : 3, // segments behind the live edge
        maxLiveSyncPlaybackRate: lowLatency ? 1.1 : 1, // catch up gently after a stall
        backBufferLength: 30,
        capLevelToPlayerSize: true, // no 1080p for a 360-pixel-wide player (Auto only)
      });
      hls.on(Hls.Events.MANIFEST_PARSED, (event, data) => {
        show("");
        buildMenu(data.levels);
        play();
      });
      hls.on(Hls.Events.FRAG_LOADED, () => { networkErrors = 0; });
      hls.on(Hls.Events.LEVEL_SWITCHED, (event, data) => {
        const level = hls.levels[data.level];
        menu.options[0].text = hls.autoLevelEnabled && level ? "Auto (" + levelName(level) + ")" : "Auto";
      });
      hls.on(Hls.Events.ERROR, (event, data) => {
        if (!data.fatal) return; // hls.js retries those itself
        const code = data.response ? data.response.code : 0;
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR && (code === 401 || code === 403)) {
          renewAccess(startHlsJs);
        } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR && (code === 404 || data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR)) {
          hls.destroy();
          hls = null;
          waitForBroadcast(startHlsJs);
        } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
          networkErrors += 1;
          show("Reconnecting…");
          if (networkErrors > 5) {
            hls.destroy();
            hls = null;
            waitForBroadcast(startHlsJs);
          } else {
            setTimeout(() => hls && hls.startLoad(), Math.min(1000 * networkErrors, 5000));
          }
        } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
          // The documented recovery: once, then (if it fails again soon) with the audio codec swapped.
          const now = Date.now();
          if (now - mediaErrorAt > 3000) {
            hls.recoverMediaError();
          } else {
            hls.swapAudioCodec();
            hls.recoverMediaError();
          }
          mediaErrorAt = now;
        } else {
          hls.destroy();
          hls = null;
          show("Playback failed. Retrying…");
          retryTimer = setTimeout(startHlsJs, RETRY_MS);
        }
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    }

    function startNative() {
      video.src = url;
      video.load();
      play();
    }

    // The native player hides HTTP statuses; ask the playlist directly (nginx allows any origin).
    function nativeError() {
      fetch(url, { cache: "no-store" })
        .then((response) => response.status)
        .catch(() => 0)
        .then((code) => {
          if (code === 401 || code === 403) renewAccess(startNative);
          else waitForBroadcast(startNative);
        });
    }

    menu.addEventListener("change", () => {
      if (hls) hls.nextLevel = parseInt(menu.value, 10); // -1: automatic; else switch at the next segment
    });
    video.addEventListener("playing", () => { played = true; show(""); });

    const native = video.canPlayType("application/vnd.apple.mpegurl") !== "";
    const mse = typeof Hls !== "undefined" && Hls.isSupported();
    // Chrome too says "maybe" to HLS now, but only Safari's player (the one with ManagedMediaSource) is a
    // good one; elsewhere hls.js gives the quality menu, low latency and error recovery (hls.js's advice).
    if (native && ("ManagedMediaSource" in window || !mse)) {
      video.addEventListener("error", nativeError);
      startNative();
    } else if (mse) {
      startHlsJs();
    } else {
      show("This browser cannot play live video. Try a current Chrome, Firefox, Edge or Safari.");
    }
  }

  // --- Replays ---------------------------------------------------------------------------------------

  function replayPlayer(video) {
    for (const link of document.querySelectorAll("a[data-replay]")) {
      link.addEventListener("click", (event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey) return; // opening the MP4 in a new tab
        event.preventDefault();
        for (const other of document.querySelectorAll("a[data-replay]")) other.removeAttribute("aria-current");
        link.setAttribute("aria-current", "true");
        if (link.dataset.poster) video.poster = link.dataset.poster;
        else video.removeAttribute("poster");
        video.src = link.href;
        video.play().catch(() => {});
        video.scrollIntoView({ block: "nearest" });
      });
    }
  }

  // --- Premium access --------------------------------------------------------------------------------

  function accessPrompt(box) {
    const button = box.querySelector("[data-buy-access]");
    const status = box.querySelector(".access-status");
    if (!button) return;
    button.addEventListener("click", () => {
      button.disabled = true;
      status.textContent = "Buying access…";
      // Buying twice charges once (the server keeps one access per viewer), so a retry is safe.
      fetch("/api/v1/streams/" + box.dataset.streamId + "/access", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf },
      })
        .then((r) => r.json().catch(() => ({})).then((body) => ({ ok: r.ok, body: body })))
        .then(({ ok, body }) => {
          if (ok) {
            status.textContent = "Access bought. Loading the video…";
            location.reload();
          } else {
            status.textContent = body.detail || "Could not buy access.";
            button.disabled = false;
          }
        })
        .catch(() => {
          status.textContent = "Network trouble. Try again; you will not be charged twice.";
          button.disabled = false;
        });
    });
  }

  const live = document.getElementById("player");
  if (live && live.dataset.hlsUrl) livePlayer(live);
  const replay = document.getElementById("replay");
  if (replay) replayPlayer(replay);
  const access = document.getElementById("premium-access");
  if (access) accessPrompt(access);
})();
