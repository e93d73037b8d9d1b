// Real-time playback for the watch page: WebRTC from the Janus edge, HLS (player.js's engine) as the fallback.
//
// window.LivePlayback(video, hooks, hlsEngine) returns an engine with player.js's shape (start, stop, setLevel,
// liveEdge). start(hlsUrl, body) tries WebRTC first when the stream body offers webrtc_url and this browser has
// RTCPeerConnection, and falls back to HLS by itself on a signalling error, an ICE failure, or no decoded frame
// within FIRST_FRAME_MS. The quality menu gains "Real-time" beside the HLS renditions. The path in use is in the
// video's data-playback-path ("webrtc" | "hls"); ?playback=hls or ?playback=webrtc forces one path, without
// fallback (benchmarks and tests).
//
// Signalling is Django's (/api/v1/streams/{id}/webrtc, .../answer, .../keepalive, .../hangup): Janus's offer
// carries its ICE candidates, the answer goes once gathering completes (non-trickle, capped at GATHER_MS), and
// the signed grant the first call returns comes back on every later one.
//
// Rewind (dvr.js, through liveWindow() and seek()): in real time the window is the stream's dvr_window_seconds, as
// far as it has been live (started_at, by this device's clock), and the live position is "now" (or, paused, the
// seconds since the pause). Seeking behind live hangs up and plays HLS from there; going live again returns to
// real time unless the viewer chose HLS in the menu (or real time failed on this page), else HLS's live edge.
(function () {
  "use strict";
  const FIRST_FRAME_MS = 4000; // no picture by then: HLS instead
  const GATHER_MS = 2000; // ICE gathering cap before the answer goes anyway
  const DISCONNECTED_MS = 5000; // ICE "disconnected" this long: treated as failed
  const RETRY_MS = 3000; // forced WebRTC: try again this often
  const REALTIME = "webrtc"; // the quality menu's value for real-time
  const HLS_LAG_S = 10; // HLS's window starts this much after the stream did (the ladder's start, 3 fragments)
  // How far HLS's live position sits behind real time, per latency mode (bench/glass_to_glass.py's p50 on this
  // machine: 2.6, 8.4 and 14.1 s, less real time's 0.2 s): "behind live" on HLS counts it, and a rewind from real
  // time asks HLS for that much less, so the viewer sees again only what they had not seen.
  const HLS_BEHIND_REALTIME_S = { low: 2, normal: 8, high: 14 };
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";

  function supported() {
    return typeof window.RTCPeerConnection === "function";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {}),
    }).then((response) => response.json().catch(() => ({})).then((data) => ({ ok: response.ok, status: response.status, data: data })));
  }

  function iceGathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (pc.iceGatheringState !== "complete") return;
        pc.removeEventListener("icegatheringstatechange", done);
        resolve();
      };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, GATHER_MS);
    });
  }

  // Resolves at the first decoded video frame (requestVideoFrameCallback where there is one).
  function firstFrame(video) {
    return new Promise((resolve) => {
      if (typeof video.requestVideoFrameCallback === "function") {
        video.requestVideoFrameCallback(() => resolve());
        return;
      }
      const poll = setInterval(() => {
        const quality = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
        if ((quality && quality.totalVideoFrames > 0) || video.videoWidth > 0) {
          clearInterval(poll);
          resolve();
        }
      }, 100);
    });
  }

  function play(video) {
    const attempt = video.play();
    if (attempt) {
      attempt.catch((error) => {
        if (error.name !== "NotAllowedError" || video.muted) return;
        video.muted = true; // sound needs a touch first; start muted rather than not at all
        video.play().catch(() => {});
      });
    }
  }

  window.LivePlayback = function (video, hooks, hlsEngine) {
    const forced = new URLSearchParams(location.search).get("playback");
    let preferHls = forced === "hls";
    let body = null;
    let path = "";
    let run = 0;
    let pc = null;
    let grant = "";
    let timers = [];
    let beacon = null;
    let soundWaits = null; // the held audio track's volumechange listener, until the viewer unmutes
    let pausedAt = 0; // when the viewer paused real-time playback (performance.now()); 0 while it plays
    let rewound = null; // {behind, available}: switching from real time to HLS that far behind live, until it plays
    const menuLevels = hooks.levels; // the quality menu's: HLS renditions; "Real-time" is added after them
    hooks.levels = (levels) => {
      menuLevels(levels);
      realtimeOption();
    };

    function setPath(next) {
      path = next;
      if (next) video.dataset.playbackPath = next;
      else delete video.dataset.playbackPath;
      realtimeOption();
    }

    // "Real-time" in the quality menu whenever the stream offers it; chosen while WebRTC plays.
    function realtimeOption() {
      const menu = document.getElementById("quality");
      if (!menu) return;
      let option = menu.querySelector('option[value="' + REALTIME + '"]');
      const offered = !!(body && body.webrtc_url && supported() && forced !== "hls");
      if (!offered) {
        if (option) option.remove();
        return;
      }
      if (!option) {
        option = new Option("Real-time", REALTIME);
        menu.insertBefore(option, menu.firstChild);
      }
      if (path === "webrtc") menu.value = REALTIME;
      else if (menu.value === REALTIME) menu.value = "-1";
      const box = menu.closest(".player-quality");
      if (box) box.hidden = menu.options.length < 2;
    }

    // How much of the stream HLS holds to rewind, as seen from real time.
    function realtimeWindow() {
      const since = body && Date.parse(body.started_at);
      if (!since || !body.dvr_window_seconds) return 0;
      return Math.max(0, Math.min(body.dvr_window_seconds, (Date.now() - since) / 1000 - HLS_LAG_S));
    }

    video.addEventListener("pause", () => {
      if (path === "webrtc" && video.srcObject) pausedAt = performance.now();
    });
    video.addEventListener("playing", () => {
      pausedAt = 0;
      if (path === "hls") rewound = null; // HLS plays where it was asked to: its own window (shifted) from now on
    });

    function later(fn, ms) {
      timers.push(setTimeout(fn, ms));
    }

    function hangUp() {
      timers.forEach(clearTimeout);
      timers = [];
      if (beacon) {
        window.removeEventListener("pagehide", beacon);
        beacon = null;
      }
      if (grant && body && body.webrtc_url) {
        const form = new URLSearchParams({ grant: grant, csrfmiddlewaretoken: csrf });
        fetch(body.webrtc_url + "/hangup", { method: "POST", credentials: "same-origin", body: form, keepalive: true }).catch(() => {});
      }
      grant = "";
      pausedAt = 0;
      if (pc) {
        pc.close();
        pc = null;
      }
      if (soundWaits) {
        video.removeEventListener("volumechange", soundWaits);
        soundWaits = null;
      }
      if (video.srcObject) {
        video.srcObject = null;
        video.load();
      }
    }

    // How far HLS's live position sits behind the real-time picture, while real time is what "live" means on this
    // page (offered, and not turned down for HLS in the menu); else 0.
    function realtimeLag() {
      if (preferHls || !body || !body.webrtc_url || !supported()) return 0;
      return HLS_BEHIND_REALTIME_S[video.dataset.latency] || 0;
    }

    function startHls(behind) {
      setPath("hls");
      hlsEngine.start(body.hls_url);
      if (behind) hlsEngine.seek(behind);
      realtimeOption();
    }

    // WebRTC did not work out: HLS (for this page's life, unless the viewer picks Real-time again), or, when
    // forced, another try.
    function failed(mine, why) {
      if (mine !== run) return;
      hangUp();
      if (window.console) console.info("Real-time playback: " + why);
      if (forced === "webrtc") {
        hooks.message("Real-time playback failed. Retrying…");
        later(() => mine === run && startWebRTC(), RETRY_MS);
        return;
      }
      preferHls = true;
      startHls();
    }

    function keepAlive(mine, every) {
      later(() => {
        if (mine !== run) return;
        post(body.webrtc_url + "/keepalive", { grant: grant })
          .then((answer) => {
            if (mine !== run) return;
            if (answer.ok) {
              grant = answer.data.grant;
              keepAlive(mine, every);
            } else {
              // Access gone, the stream ended or the session lapsed: the HLS path knows what to show.
              failed(mine, "keepalive refused (" + (answer.data.code || answer.status) + ")");
            }
          })
          .catch(() => keepAlive(mine, every)); // the network blinked: try at the next beat
      }, every * 1000);
    }

    function startWebRTC() {
      const mine = ++run;
      rewound = null;
      hlsEngine.stop();
      setPath("webrtc");
      hooks.message("");
      later(() => failed(mine, "no picture within " + FIRST_FRAME_MS + " ms"), FIRST_FRAME_MS);
      post(body.webrtc_url)
        .then((started) => {
          if (mine !== run) return null;
          if (!started.ok) throw new Error("signalling refused (" + (started.data.code || started.status) + ")");
          grant = started.data.grant;
          beacon = () => {
            navigator.sendBeacon(body.webrtc_url + "/hangup", new URLSearchParams({ grant: grant, csrfmiddlewaretoken: csrf }));
          };
          window.addEventListener("pagehide", beacon);
          pc = new RTCPeerConnection({});
          const peer = pc;
          const media = new MediaStream();
          peer.addEventListener("track", (event) => {
            if (event.track.kind === "audio" && video.muted) {
              // Muted (as every autoplay starts) there is no sound to render, and attaching the audio track
              // would start the browser's audio output: in Chromium a main-thread block of about 100 ms the
              // first time, while the page is still loading (traced). The track joins when the viewer unmutes;
              // WebRTC keeps it in sync with the picture either way.
              const audio = event.track;
              soundWaits = () => {
                if (video.muted || peer !== pc) return;
                video.removeEventListener("volumechange", soundWaits);
                soundWaits = null;
                media.addTrack(audio);
              };
              video.addEventListener("volumechange", soundWaits);
              return;
            }
            media.addTrack(event.track);
            if (video.srcObject !== media) {
              video.srcObject = media;
              play(video);
            }
          });
          peer.addEventListener("iceconnectionstatechange", () => {
            if (peer !== pc) return;
            if (peer.iceConnectionState === "failed") failed(mine, "ICE failed");
            else if (peer.iceConnectionState === "disconnected") {
              later(() => peer === pc && peer.iceConnectionState === "disconnected" && failed(mine, "ICE disconnected"), DISCONNECTED_MS);
            }
          });
          firstFrame(video).then(() => {
            if (mine !== run || peer !== pc) return;
            timers.forEach(clearTimeout); // the first-frame watchdog
            timers = [];
            keepAlive(mine, started.data.keepalive_seconds || 20);
          });
          return peer
            .setRemoteDescription(started.data.offer)
            .then(() => peer.createAnswer())
            .then((answer) => peer.setLocalDescription(answer))
            .then(() => iceGathered(peer))
            .then(() => (mine === run ? post(body.webrtc_url + "/answer", { grant: grant, sdp: peer.localDescription.sdp }) : null))
            .then((answered) => {
              if (answered && !answered.ok) throw new Error("answer refused (" + (answered.data.code || answered.status) + ")");
            });
        })
        .catch((error) => failed(mine, error.message || String(error)));
    }

    return {
      start(hlsUrl, streamBody) {
        this.stop();
        body = Object.assign({ hls_url: hlsUrl }, streamBody || {});
        if (!preferHls && body.webrtc_url && supported()) startWebRTC();
        else startHls();
      },
      stop() {
        run += 1;
        rewound = null;
        hangUp();
        hlsEngine.stop();
        setPath("");
      },
      setLevel(value) {
        if (value === REALTIME) {
          preferHls = false;
          if (path !== "webrtc" && body) startWebRTC();
          return;
        }
        preferHls = true; // going live again stays on HLS too
        if (path === "webrtc") {
          run += 1;
          hangUp();
          startHls();
        }
        hlsEngine.setLevel(value);
      },
      liveEdge() {
        return path === "hls" ? hlsEngine.liveEdge() : null;
      },
      // DVR (dvr.js): the rewind window on the video's clock. In real time the clock is "now" (plus the seconds
      // since a pause); while HLS loads after a rewind, the window HLS is asked for, around where the clock is.
      // While real time is what "live" means here, HLS's window counts from the real-time picture too (its live
      // position sits realtimeLag() behind it), so "behind live" keeps one meaning through every switch.
      liveWindow() {
        const now = video.currentTime;
        if (path === "webrtc") {
          const available = realtimeWindow();
          const behind = pausedAt ? (performance.now() - pausedAt) / 1000 : 0;
          return available ? { start: now + behind - available, edge: now + behind } : null;
        }
        if (path !== "hls") return null;
        const span = hlsEngine.liveWindow();
        if (span && !rewound) return { start: span.start, edge: span.edge + realtimeLag() };
        return rewound ? { start: now + rewound.behind - rewound.available, edge: now + rewound.behind } : span;
      },
      // DVR: play `back` seconds behind live (as liveWindow() counts). Behind live is HLS's; live is real time's
      // when it may be.
      seek(back) {
        if (!body) return;
        if (path === "webrtc") {
          if (!back) return; // already live (a paused viewer's play resumes it)
          const available = realtimeWindow();
          run += 1;
          hangUp();
          startHls(Math.max(0.1, back - realtimeLag())); // 0 would mean HLS's live position
          rewound = { behind: back, available: available };
          return;
        }
        if (!back && !preferHls && body.webrtc_url && supported()) {
          startWebRTC();
          return;
        }
        if (rewound) rewound.behind = back; // HLS has not played yet: the viewer pressed again
        hlsEngine.seek(Math.max(0, back - realtimeLag()));
      },
    };
  };
})();
