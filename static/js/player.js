// Stream page video: the live HLS ladder (hls.js over MSE; the browser's own HLS where that is the better
// player) with the page's own controls, the live state the room pushes (going live, ending, going private),
// the offline overlay (next broadcast in the viewer's time, follow), replays of an ended stream (MP4), and
// buying access to a premium stream with coins.
//
// The room's events arrive as "room:<type>" events on document (chat.js owns the socket). Whenever the
// stream's status or visibility changes, this module dispatches "page:stream-state" on document with
// {status, visibility} and sets data-stream-status / data-visibility on .stream-layout, for the chat and
// gift modules to follow.
(function () {
  "use strict";
  const RETRY_MS = 3000; // how often a live page asks again for a playlist that is not there yet
  const OLDEST_MARGIN_S = 10; // a rewound start lands at least this far inside the window (as dvr.js's Home)
  const IDLE_MS = 3000; // controls fade this long after the last touch or pointer move while playing
  const ANNOUNCE_EVERY_MS = 60000; // screen readers hear the audience at most once a minute
  const THEATRE_COOKIE = "gnl_theatre"; // read by the server, which lays the page out in theatre mode at once
  const VOLUME_KEY = "gnl.player.volume";
  const STATUS_LABELS = { scheduled: "Scheduled", live: "Live", ended: "Ended" };
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";

  // The device's memory. localStorage is first opened when the viewer first needs it (the first unmute), never
  // while the page starts: opening it cost about 25 ms of the main thread (100 ms on Lighthouse's slow phone).
  const stored = {
    get(key) {
      try { return localStorage.getItem(key); } catch (error) { return null; } // storage off: no memory, no failure
    },
    set(key, value) {
      try { localStorage.setItem(key, value); } catch (error) { /* as above */ }
    },
  };

  function streamBody(streamId) {
    return fetch("/api/v1/streams/" + streamId, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null));
  }

  // --- Live playback ---------------------------------------------------------------------------------
  // start(url) plays a master playlist (waiting for it while the encoder is not there yet), stop() lets go
  // of it at once; callbacks of a stopped run are ignored (each start is a new generation). seek(back) plays
  // `back` seconds behind live (DVR); asked before the first picture, playback starts there.

  function liveEngine(video, hooks) {
    const streamId = video.dataset.streamId;
    const lowLatency = video.dataset.latency === "low";
    let url = "";
    let hls = null;
    let retryTimer = null;
    let played = false;
    let mediaErrorAt = 0;
    let networkErrors = 0;
    let generation = 0;
    let native = false;
    let startBehind = 0; // seconds behind live where the coming first picture should be (0: live)

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
    // API calls ended will not come back (the room usually says so first: see the page below).
    function waitForBroadcast(restart) {
      const run = generation;
      clearTimeout(retryTimer);
      hooks.message(played ? "The broadcast paused. Waiting for it to come back…" : "Waiting for the broadcast to start…");
      retryTimer = setTimeout(() => {
        streamBody(streamId)
          .catch(() => null)
          .then((body) => {
            if (run !== generation) return;
            if (body && body.status === "ended") {
              hooks.ended();
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
      const run = generation;
      streamBody(streamId)
        .catch(() => null)
        .then((body) => {
          if (run !== generation) return;
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

    // Begin loading where the viewer asked, once a playlist says where live is: hls.js's own way to start
    // elsewhere than its live position (startLoad), so nothing at the live edge is fetched for nothing.
    function loadBehind(player, details) {
      const edge = player.liveSyncPosition || details.edge;
      const oldest = Math.min(edge, details.fragmentStart + OLDEST_MARGIN_S);
      player.startLoad(Math.max(oldest, edge - startBehind));
      startBehind = 0;
    }

    function startHlsJs() {
      if (hls) hls.destroy();
      const run = generation;
      const player = new Hls({
        lowLatencyMode: lowLatency,
        liveSyncDurationCount: lowLatency ? 2 : 3, // segments behind the live edge
        maxLiveSyncPlaybackRate: lowLatency ? 1.1 : 1, // catch up gently after a stall
        backBufferLength: 30,
        capLevelToPlayerSize: true, // no 1080p for a 360-pixel-wide player (Auto only)
      });
      hls = player;
      player.on(Hls.Events.MANIFEST_PARSED, (event, data) => {
        hooks.message("");
        hooks.levels(data.levels);
        play();
      });
      player.on(Hls.Events.FRAG_LOADED, () => { networkErrors = 0; });
      player.on(Hls.Events.LEVEL_UPDATED, (event, data) => {
        if (startBehind && data.details.live) loadBehind(player, data.details);
      });
      player.on(Hls.Events.LEVEL_SWITCHED, (event, data) => {
        hooks.levelSwitched(player.autoLevelEnabled ? player.levels[data.level] : null);
      });
      player.on(Hls.Events.ERROR, (event, data) => {
        if (!data.fatal || run !== generation) return; // hls.js retries non-fatal errors itself
        const code = data.response ? data.response.code : 0;
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR && (code === 401 || code === 403)) {
          renewAccess(startHlsJs);
        } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR && (code === 404 || data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR)) {
          player.destroy();
          hls = null;
          waitForBroadcast(startHlsJs);
        } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
          networkErrors += 1;
          hooks.message("Reconnecting…");
          if (networkErrors > 5) {
            player.destroy();
            hls = null;
            waitForBroadcast(startHlsJs);
          } else {
            setTimeout(() => hls === player && player.startLoad(), Math.min(1000 * networkErrors, 5000));
          }
        } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
          // The documented recovery: once, then (if it fails again soon) with the audio codec swapped.
          const now = Date.now();
          if (now - mediaErrorAt > 3000) {
            player.recoverMediaError();
          } else {
            player.swapAudioCodec();
            player.recoverMediaError();
          }
          mediaErrorAt = now;
        } else {
          player.destroy();
          hls = null;
          hooks.message("Playback failed. Retrying…");
          retryTimer = setTimeout(startHlsJs, RETRY_MS);
        }
      });
      player.loadSource(url);
      player.attachMedia(video);
    }

    function startNative() {
      video.src = url;
      video.load();
      play();
    }

    // The native player hides HTTP statuses; ask the playlist directly (nginx allows any origin).
    function nativeError() {
      if (!native || !video.getAttribute("src")) return;
      const run = generation;
      fetch(url, { cache: "no-store" })
        .then((response) => response.status)
        .catch(() => 0)
        .then((code) => {
          if (run !== generation) return;
          if (code === 401 || code === 403) renewAccess(startNative);
          else waitForBroadcast(startNative);
        });
    }

    video.addEventListener("error", nativeError);
    video.addEventListener("loadedmetadata", () => {
      if (!native || !startBehind || !video.seekable.length) return;
      const last = video.seekable.length - 1;
      video.currentTime = Math.max(video.seekable.start(last) + OLDEST_MARGIN_S, video.seekable.end(last) - startBehind);
      startBehind = 0;
    });
    video.addEventListener("playing", () => { played = true; hooks.message(""); });

    function begin() {
      const canNative = video.canPlayType("application/vnd.apple.mpegurl") !== "";
      const mse = typeof Hls !== "undefined" && Hls.isSupported();
      // Chrome too says "maybe" to HLS now, but only Safari's player (the one with ManagedMediaSource) is a
      // good one; elsewhere hls.js gives the quality menu, low latency and error recovery (hls.js's advice).
      native = canNative && ("ManagedMediaSource" in window || !mse);
      if (native) startNative();
      else if (mse) startHlsJs();
      else hooks.message("This browser cannot play live video. Try a current Chrome, Firefox, Edge or Safari.");
    }

    return {
      start(playlist) {
        this.stop();
        url = playlist;
        const run = generation;
        // hls.js is fetched when this engine is the one to play: a page playing in real time never loads it.
        hlsReady(video).then(() => {
          if (run === generation) begin();
        });
      },
      stop() {
        generation += 1;
        clearTimeout(retryTimer);
        if (hls) {
          hls.destroy();
          hls = null;
        }
        native = false;
        played = false;
        startBehind = 0;
        video.pause();
        if (video.getAttribute("src")) {
          video.removeAttribute("src");
          video.load(); // lets go of the connection and the picture
        }
        hooks.message("");
        hooks.levels([]);
      },
      setLevel(index) {
        if (hls) hls.nextLevel = index; // -1: automatic; else switch at the next segment
      },
      // Where "now" is, for a viewer resuming a paused live stream.
      liveEdge() {
        if (hls && hls.liveSyncPosition) return hls.liveSyncPosition;
        return video.seekable.length ? video.seekable.end(video.seekable.length - 1) : null;
      },
      // DVR (dvr.js): the oldest position the live playlist still holds and the live position, or null.
      liveWindow() {
        const details = hls && hls.latestLevelDetails;
        if (details && details.live && details.fragments.length) {
          return { start: details.fragmentStart, edge: hls.liveSyncPosition || details.edge };
        }
        if (!native || !video.seekable.length) return null;
        const last = video.seekable.length - 1;
        return { start: video.seekable.start(last), edge: video.seekable.end(last) };
      },
      // DVR (dvr.js): play `back` seconds behind live (0: live). Before the first picture: where it starts.
      seek(back) {
        const span = this.liveWindow();
        if (span && video.readyState >= HTMLMediaElement.HAVE_METADATA) {
          const target = span.edge - back;
          if (Math.abs(video.currentTime - target) > 0.5) video.currentTime = target; // (a resume asks where it is)
          return;
        }
        startBehind = back;
        if (hls && hls.latestLevelDetails) loadBehind(hls, hls.latestLevelDetails);
      },
    };
  }

  // hls.js (about 190 kB compressed, the page's heaviest script) is fetched only when there is a live stream to
  // play, never by the page's markup: after the poster (the picture a viewer sees first, the page's largest paint)
  // has arrived, so on a slow network the two do not share the bandwidth; at most POSTER_FIRST_MS later. Safari's
  // own player needs none.
  const POSTER_FIRST_MS = 1500;
  let hlsScript = null;

  function posterShown(video) {
    if (!video.poster) return Promise.resolve();
    return new Promise((resolve) => {
      const image = new Image();
      image.onload = image.onerror = resolve; // the browser's cache answers: the video's own request fetched it
      image.src = video.poster;
      setTimeout(resolve, POSTER_FIRST_MS);
    });
  }

  function hlsReady(video) {
    if (typeof Hls !== "undefined" || ("ManagedMediaSource" in window && video.canPlayType("application/vnd.apple.mpegurl"))) {
      return Promise.resolve();
    }
    hlsScript = hlsScript || posterShown(video).then(() => new Promise((resolve) => {
      const script = document.createElement("script");
      script.src = video.dataset.hlsScript;
      script.onload = resolve;
      script.onerror = () => { hlsScript = null; resolve(); }; // start() then says this browser cannot play it
      document.head.appendChild(script);
    }));
    return hlsScript;
  }

  function levelName(level) {
    const named = /_(src|\d+p)\.m3u8/i.exec(level.url || "");
    if (named) return named[1].toLowerCase() === "src" ? "Source" : named[1];
    if (level.height) return level.height + "p";
    return Math.round(level.bitrate / 1000) + " kbps";
  }

  // --- The watch page --------------------------------------------------------------------------------

  function watchPage(layout, box) {
    const video = document.getElementById("player");
    const interactive = box.dataset.state !== "access" && box.dataset.state !== "replay";
    const owner = box.dataset.owner === "1";
    const overlay = document.getElementById("player-state");
    const offline = document.getElementById("player-offline");
    const offlineTitle = offline && offline.querySelector(".offline-title");
    const offlineText = offline && offline.querySelector(".offline-text");
    const offlineNext = offline && offline.querySelector(".offline-next");
    const firstWords = offlineText ? Array.from(offlineText.childNodes, (node) => node.cloneNode(true)) : [];
    const firstTitle = offlineTitle ? offlineTitle.textContent : "";
    let status = layout.dataset.streamStatus;
    let visibility = layout.dataset.visibility;
    let engine = null;
    let startRun = 0;

    function message(text) {
      if (!overlay) return;
      overlay.textContent = text;
      overlay.hidden = !text;
    }

    function offlineWords(title, text) {
      if (!offline) return;
      offlineTitle.textContent = title;
      offlineText.replaceChildren(...(text === null ? firstWords.map((node) => node.cloneNode(true)) : [text]));
      // The page's own scheduled time stands for "next"; once that time is gone, the creator's next one.
      if (offlineNext) offlineNext.hidden = text === null && status === "scheduled" && !!offlineText.querySelector("time");
    }

    function stateOf() {
      if (status === "ended") return "ended";
      if (visibility === "private" && !owner) return "private";
      if (status === "live" && video) return "live";
      return "offline";
    }

    // An ended stream whose recording is still being made: look for it now and then (every 15 s, for 20
    // minutes), and show it when it is ready.
    let recordingWatch = null;
    function watchForRecording() {
      if (recordingWatch || !box.dataset.streamId) return;
      const since = Date.now();
      recordingWatch = setInterval(() => {
        if (Date.now() - since > 20 * 60 * 1000) {
          clearInterval(recordingWatch);
          return;
        }
        fetch("/api/v1/streams/" + box.dataset.streamId + "/recordings", { credentials: "same-origin" })
          .then((r) => (r.ok ? r.json() : []))
          .then((list) => { if (Array.isArray(list) && list.length) location.reload(); })
          .catch(() => {});
      }, 15000);
    }

    function show() {
      const state = stateOf();
      const before = box.dataset.state;
      if (interactive) box.dataset.state = state;
      if (interactive && state === "ended") watchForRecording();
      if (state === "ended") offlineWords("This broadcast has ended", "Thanks for watching. Its recording appears on this page once it is ready.");
      else if (state === "private") offlineWords("This stream is now private", "Only its creator can watch it.");
      else if (state === "offline" && status === "live") offlineWords("Live now", "Buy access to watch."); // premium
      else if (state === "offline") offlineWords(firstTitle, null);
      if (!interactive || !video) return;
      if (state === "live" && (before !== "live" || !engine)) startLive();
      else if (state !== "live" && engine) {
        startRun += 1;
        engine.stop();
        engine = null;
      }
    }

    function startLive() {
      const run = ++startRun;
      const firstUrl = video.dataset.hlsUrl;
      const first = {
        hls_url: firstUrl,
        webrtc_url: video.dataset.webrtcUrl || null,
        started_at: video.dataset.startedAt || null,
        dvr_window_seconds: parseInt(video.dataset.dvrSeconds || "0", 10),
      };
      delete video.dataset.hlsUrl; // good once: a later start asks the API (a premium token expires)
      delete video.dataset.webrtcUrl;
      const url = firstUrl ? Promise.resolve(first) : streamBody(video.dataset.streamId).catch(() => null);
      url.then((body) => {
        if (run !== startRun || stateOf() !== "live") return;
        if (body && body.has_access === false) {
          location.reload(); // made premium meanwhile: the page shows how to buy access
          return;
        }
        if (!body || !body.hls_url) {
          message("The video is not available right now.");
          return;
        }
        // WebRTC first where webrtc.js is on the page (it falls back to this HLS engine by itself).
        engine = engine || (window.LivePlayback ? window.LivePlayback(video, hooks, liveEngine(video, hooks)) : liveEngine(video, hooks));
        engine.start(body.hls_url, body);
      });
    }

    function setStatus(next) {
      if (!next || next === status) return; // the socket repeats the status on every (re)connect
      status = next;
      changed();
    }

    function changed() {
      layout.dataset.streamStatus = status;
      layout.dataset.visibility = visibility;
      const label = document.getElementById("stream-status-label");
      if (label) {
        label.textContent = STATUS_LABELS[status] || status;
        label.className = "status " + status;
      }
      const count = document.querySelector(".viewer-count-wrap");
      if (count) count.hidden = status !== "live";
      show();
      document.dispatchEvent(new CustomEvent("page:stream-state", { detail: { status: status, visibility: visibility } }));
    }

    function retitle(title) {
      const heading = document.querySelector(".stream-layout h1");
      if (heading) heading.textContent = title;
      const shown = box.querySelector(".player-title");
      if (shown) shown.textContent = title;
      if (video) video.setAttribute("aria-label", "Live video: " + title);
      document.title = title + " · GNL Live";
    }

    document.addEventListener("room:stream_status", (event) => {
      // On every (re)connect the room says where the stream is, visibility included: a page whose socket was
      // closed when the stream went private learns it is public again when the chat rejoins.
      const seen = event.detail.visibility;
      if (seen && seen !== visibility) {
        visibility = seen;
        if (event.detail.status === status) changed();
      }
      setStatus(event.detail.status);
    });
    document.addEventListener("room:stream_updated", (event) => {
      const update = event.detail;
      if (typeof update.title === "string") retitle(update.title);
      if (update.visibility && update.visibility !== visibility) {
        visibility = update.visibility;
        changed();
      }
    });

    const hooks = {
      message: message,
      ended: () => setStatus("ended"),
      levels: () => {},
      levelSwitched: () => {},
    };
    if (interactive && video) controls(layout, box, video, hooks, () => engine);
    show();
  }

  // --- Controls: play, sound, quality, chat, theatre, full screen; by touch, pointer and keyboard ---------

  function controls(layout, box, video, hooks, currentEngine) {
    const bar = box.querySelector(".player-controls");
    const button = (action) => box.querySelector('[data-action="' + action + '"]');
    const playButton = button("play");
    const muteButton = button("mute");
    const unmute = button("unmute");
    const chatButton = button("chat");
    const theatreButton = button("theatre");
    const fullButton = button("fullscreen");
    const volume = document.getElementById("player-volume");
    const quality = box.querySelector(".player-quality");
    const menu = document.getElementById("quality");
    const chat = document.getElementById("chat");
    let soundChosen = false; // once the viewer has touched the sound, no more "tap to unmute"
    let idleTimer = null;
    let lastPointer = "mouse";

    video.controls = false; // the page's controls replace the browser's (kept for pages without script)
    box.classList.add("js-player");

    hooks.levels = (levels) => {
      menu.replaceChildren(new Option("Auto", "-1"));
      levels
        .map((level, index) => ({ level, index }))
        .sort((a, b) => b.level.bitrate - a.level.bitrate)
        .forEach(({ level, index }) => menu.add(new Option(levelName(level), String(index))));
      menu.value = "-1";
      quality.hidden = levels.length < 2;
    };
    hooks.levelSwitched = (level) => {
      menu.querySelector('option[value="-1"]').text = level ? "Auto (" + levelName(level) + ")" : "Auto"; // not always first (Real-time)
    };
    menu.addEventListener("change", () => {
      const engine = currentEngine();
      if (engine) engine.setLevel(menu.value === "webrtc" ? menu.value : parseInt(menu.value, 10));
    });

    // DVR (dvr.js): the seek bar, "Go live" and the LIVE badge's return to live, when the preset keeps a window.
    const dvrSeconds = parseInt(video.dataset.dvrSeconds || "0", 10);
    const dvr = dvrSeconds > 0 && window.gnlDvr
      ? window.gnlDvr.attach({ box: box, controls: bar, video: video, seconds: dvrSeconds, currentEngine: currentEngine })
      : null;

    // Play and pause. Resuming a live stream paused a while ago jumps back to "now" (with DVR: only once the
    // window has slid past where the viewer paused; paused in real time, the rest of the way is HLS's).
    function togglePlay() {
      if (video.paused) {
        const engine = currentEngine();
        const edge = engine && engine.liveEdge();
        if (dvr) dvr.resume();
        else if (edge && video.currentTime < edge - 10) video.currentTime = edge;
        video.play().catch(() => {});
      } else {
        video.pause();
      }
    }
    function showPlaying() {
      const playing = !video.paused;
      box.classList.toggle("playing", playing);
      playButton.setAttribute("aria-label", playing ? "Pause" : "Play");
      if (playing) wake();
      else box.classList.remove("idle");
      showSound();
    }
    playButton.addEventListener("click", togglePlay);
    video.addEventListener("play", showPlaying);
    video.addEventListener("pause", showPlaying);
    video.addEventListener("emptied", showPlaying);

    // Sound: browsers start muted; say so, and let one tap bring the sound (at the viewer's last volume).
    let volumeRestored = false;
    function setMuted(muted) {
      if (!muted && !soundChosen && !volumeRestored) {
        volumeRestored = true;
        const savedVolume = parseFloat(stored.get(VOLUME_KEY));
        if (savedVolume > 0 && savedVolume <= 1) video.volume = savedVolume;
      }
      soundChosen = true;
      if (!muted && video.volume === 0) video.volume = 1;
      video.muted = muted;
    }
    function showSound() {
      const silent = video.muted || video.volume === 0;
      box.classList.toggle("muted", silent);
      muteButton.setAttribute("aria-label", silent ? "Unmute" : "Mute");
      volume.value = String(video.muted ? 0 : video.volume);
      volume.setAttribute("aria-valuetext", video.muted ? "Muted" : Math.round(video.volume * 100) + "%");
      unmute.hidden = !(silent && !soundChosen && !video.paused);
      box.classList.toggle("unmute-shown", !unmute.hidden); // the gift stage ends above the button meanwhile
    }
    muteButton.addEventListener("click", () => setMuted(!(video.muted || video.volume === 0)));
    unmute.addEventListener("click", () => {
      setMuted(false);
      if (video.paused) video.play().catch(() => {});
      muteButton.focus(); // the big button goes; focus stays on the control that does the same
    });
    volume.addEventListener("input", () => {
      soundChosen = true;
      volumeRestored = true; // the viewer's own choice now
      const value = parseFloat(volume.value);
      video.volume = value;
      video.muted = value === 0;
      if (value > 0) stored.set(VOLUME_KEY, String(value));
    });
    video.addEventListener("volumechange", showSound);

    // Chat beside (or under) the player, or hidden.
    if (chat) {
      chatButton.addEventListener("click", () => {
        chat.hidden = !chat.hidden;
        layout.classList.toggle("chat-hidden", chat.hidden);
        chatButton.setAttribute("aria-pressed", String(!chat.hidden));
      });
    } else {
      chatButton.hidden = true;
    }

    // Theatre: the player as wide as the window, the chat below it; remembered on this device in a cookie, so the
    // server lays the next page out that way (no script to wait for, no shift when it runs).
    theatreButton.addEventListener("click", () => {
      const on = !layout.classList.contains("theatre");
      layout.classList.toggle("theatre", on);
      theatreButton.setAttribute("aria-pressed", String(on));
      document.cookie = THEATRE_COOKIE + "=" + (on ? "1" : "0") + "; path=/; max-age=31536000; samesite=lax";
    });

    // Full screen: the whole box (so these controls come along); iPhones can only do it for the video.
    const canFull = document.fullscreenEnabled || typeof video.webkitEnterFullscreen === "function";
    fullButton.hidden = !canFull;
    function toggleFullscreen() {
      if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
      else if (document.fullscreenEnabled) box.requestFullscreen().catch(() => {});
      else if (video.webkitEnterFullscreen) video.webkitEnterFullscreen();
    }
    fullButton.addEventListener("click", toggleFullscreen);
    document.addEventListener("fullscreenchange", () => {
      const full = document.fullscreenElement === box;
      box.classList.toggle("fullscreen", full);
      fullButton.setAttribute("aria-label", full ? "Exit full screen" : "Full screen");
    });

    // The controls fade while the video plays untouched; any pointer move, tap or focus brings them back.
    function wake() {
      box.classList.remove("idle");
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        if (!video.paused && !box.contains(document.activeElement)) box.classList.add("idle");
      }, IDLE_MS);
    }
    box.addEventListener("pointermove", (event) => { if (event.pointerType === "mouse") wake(); });
    box.addEventListener("pointerdown", (event) => { lastPointer = event.pointerType; });
    box.addEventListener("focusin", wake);
    video.addEventListener("click", () => {
      if (lastPointer === "mouse") togglePlay(); // a click on the picture plays or pauses
      else if (box.classList.contains("idle") || video.paused) wake(); // a tap shows the controls first
      else box.classList.add("idle");
    });

    // Keys while focus is in the player (not in the volume slider or quality menu, which use them).
    const keys = { k: togglePlay, m: () => muteButton.click(), f: toggleFullscreen, t: () => theatreButton.click(), c: () => chatButton.click() };
    box.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.target.matches("input, select, textarea")) return;
      const action = keys[event.key.toLowerCase()];
      if (!action) return;
      event.preventDefault();
      action();
    });

    bar.hidden = false;
    showPlaying();
  }

  // --- The audience, on screen and (at most once a minute) for screen readers -------------------------

  function audience() {
    const shown = document.getElementById("player-viewer-count");
    const header = document.getElementById("viewer-count");
    const announcer = document.getElementById("viewer-announcer");
    let spokenAt = Date.now(); // the page itself said the count on arrival
    let spoken = shown ? shown.textContent : "";
    let latest = spoken;
    let pending = null;

    function speak() {
      pending = null;
      if (latest === spoken) return;
      spokenAt = Date.now();
      spoken = latest;
      announcer.textContent = latest + (latest === "1" ? " person" : " people") + " watching";
    }

    document.addEventListener("room:viewer_count", (event) => {
      latest = String(event.detail.count);
      if (shown) shown.textContent = latest;
      if (header) header.textContent = latest + " watching";
      if (!announcer || pending) return;
      const wait = spokenAt + ANNOUNCE_EVERY_MS - Date.now();
      if (wait <= 0) speak();
      else pending = setTimeout(speak, wait);
    });
  }

  // --- Offline overlay: following the creator (its times are local-time.js's) -------------------------

  function followButton(button) {
    const status = button.nextElementSibling;
    const name = button.dataset.name;
    const path = "/api/v1/creators/" + encodeURIComponent(button.dataset.follow) + "/follow";
    button.addEventListener("click", () => {
      const following = button.dataset.following === "1";
      button.disabled = true;
      fetch(path, {
        method: following ? "DELETE" : "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "Content-Type": "application/json" },
        body: following ? undefined : "{}",
      })
        .then((r) => {
          if (r.status === 401 || r.status === 403) {
            location.href = "/accounts/login/?next=" + encodeURIComponent(location.pathname);
            return;
          }
          if (!r.ok) {
            return r.json().catch(() => ({})).then((body) => { status.textContent = body.detail || "Could not change that. Try again."; });
          }
          button.dataset.following = following ? "0" : "1";
          button.textContent = (following ? "Follow " : "Unfollow ") + name;
          status.textContent = following ? "You no longer follow " + name + "." : "You follow " + name + ". You will hear when they go live.";
        })
        .catch(() => { status.textContent = "Network trouble. Try again."; })
        .finally(() => { button.disabled = false; });
    });
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

  const layout = document.querySelector(".stream-layout");
  const box = document.getElementById("player-box");
  if (layout && box) watchPage(layout, box);
  audience();
  for (const button of document.querySelectorAll("button[data-follow]")) followButton(button);
  const replay = document.getElementById("replay");
  if (replay) replayPlayer(replay);
  const access = document.getElementById("premium-access");
  if (access) accessPrompt(access);
})();
