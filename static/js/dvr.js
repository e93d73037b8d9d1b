// Rewinding a live stream (DVR): a seek bar over the live playlist's window, how far behind live the viewer is
// ("−1:20"), a "Go live" button, and the LIVE badge as a button back to live while behind (grey then, not red).
//
// player.js calls window.gnlDvr.attach(...) from its controls when the page says the stream's preset keeps a
// rewind window (data-dvr-seconds on the video: `normal` and `high` keep 2 hours, `low` none); the engine it
// plays with tells the window on the video's clock (liveWindow(): the oldest position still in the playlist and
// the live position hls.js keeps to) and goes where the viewer asks (seek(secondsBehindLive), 0: live). Nothing
// here plays video: the engine decides how (in real time, webrtc.js switches to HLS behind live and back).
(function () {
  "use strict";
  const STEP_S = 10; // arrow keys
  const PAGE_S = 60; // Page Up / Page Down
  const LIVE_SLACK_S = 6; // nearer than this to the live position is "live" (one reload of a 4 s playlist)
  const OLDEST_MARGIN_S = 10; // Home lands this far inside the window: its oldest fragment is the next to go
  const MIN_REWIND_S = 10; // the bar shows once there is at least this much to rewind
  const TICK_MS = 1000; // a paused viewer falls behind with no event from the video: count the seconds

  function clock(seconds) {
    const total = Math.round(seconds);
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const rest = String(total % 60).padStart(2, "0");
    return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + rest : minutes + ":" + rest;
  }

  function spoken(seconds) {
    const total = Math.round(seconds);
    const parts = [
      [Math.floor(total / 3600), "hour"],
      [Math.floor((total % 3600) / 60), "minute"],
      [total % 60, "second"],
    ]
      .filter(([count]) => count > 0)
      .map(([count, unit]) => count + " " + unit + (count === 1 ? "" : "s"));
    return parts.join(" ") + " behind live";
  }

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  }

  // options: box (the player), controls (its control bar), video, seconds (the stream's rewind window),
  // currentEngine() (the engine now playing, or null). Returns {resumeAt()} for the play button.
  function attach(options) {
    const { box, controls, video, seconds, currentEngine } = options;
    const row = element("div", { class: "dvr-bar", hidden: "" });
    const seek = element("input", {
      type: "range",
      class: "dvr-seek",
      id: "dvr-seek",
      min: "0",
      max: "0",
      step: "1",
      value: "0",
      "aria-label": "Position in the live broadcast",
      "aria-valuetext": "Live",
    });
    const behindText = element("span", { class: "dvr-behind", "aria-hidden": "true", hidden: "" });
    const goLiveButton = element("button", { type: "button", class: "dvr-go-live", hidden: "" }, "Go live");
    row.append(seek, behindText, goLiveButton);
    controls.prepend(row);
    box.classList.add("dvr");

    // The LIVE badge becomes a button: disabled at live, "Go live" while behind.
    const badge = box.querySelector(".live-badge");
    let badgeButton = null;
    if (badge) {
      badgeButton = element("button", { type: "button", class: "dvr-badge", disabled: "" });
      badge.replaceWith(badgeButton);
      badgeButton.append(badge);
    }

    let dragging = false;
    let wanted = null; // seconds behind live the viewer asked for, until the video gets there

    function windowNow() {
      const engine = currentEngine();
      const span = engine && engine.liveWindow ? engine.liveWindow() : null;
      if (!span || !(span.edge > span.start)) return null;
      return { start: span.start, oldest: Math.min(span.edge, span.start + OLDEST_MARGIN_S), edge: span.edge };
    }

    function behindNow(span) {
      return Math.max(0, span.edge - video.currentTime);
    }

    function goLive() {
      const engine = currentEngine();
      wanted = 0;
      if (engine) engine.seek(0);
      if (video.paused) video.play().catch(() => {});
      show();
    }

    function seekBehind(seconds) {
      const span = windowNow();
      if (!span) return;
      const back = Math.max(0, Math.min(seconds, span.edge - span.oldest));
      if (back < LIVE_SLACK_S) {
        goLive();
        return;
      }
      wanted = back;
      currentEngine().seek(back);
      show();
    }

    function show() {
      const span = windowNow();
      const available = span ? Math.min(seconds, Math.floor(span.edge - span.oldest)) : 0;
      row.hidden = available < MIN_REWIND_S;
      box.classList.toggle("dvr-shown", !row.hidden);
      if (row.hidden) {
        setBehind(0);
        return;
      }
      let behind = behindNow(span);
      // Until the seek lands, the bar shows where the viewer asked to go (the video's clock jumps there at once,
      // but hls.js's live position moves with each playlist reload).
      if (wanted !== null && !video.seeking) wanted = null;
      if (wanted !== null) behind = wanted;
      if (!dragging) {
        seek.min = String(-available);
        seek.value = String(-Math.min(available, Math.round(behind)));
      }
      setBehind(dragging ? -parseInt(seek.value, 10) : behind);
    }

    function setBehind(behind) {
      const live = behind < LIVE_SLACK_S;
      box.classList.toggle("dvr-behind-live", !live);
      seek.setAttribute("aria-valuetext", live ? "Live" : spoken(behind));
      behindText.hidden = live;
      behindText.textContent = live ? "" : "−" + clock(behind);
      const focusedGoLive = document.activeElement === goLiveButton || document.activeElement === badgeButton;
      goLiveButton.hidden = live;
      if (badgeButton) {
        badgeButton.disabled = live;
        if (live) badgeButton.removeAttribute("aria-label");
        else badgeButton.setAttribute("aria-label", "Go live");
      }
      if (live && focusedGoLive) seek.focus(); // the button went away under the viewer's focus
    }

    seek.addEventListener("pointerdown", () => { dragging = true; });
    // A tap that moves nothing fires no "change": let go after the pointer does (a "change" comes first).
    const release = () => setTimeout(() => { dragging = false; }, 0);
    seek.addEventListener("pointerup", release);
    seek.addEventListener("pointercancel", release);
    seek.addEventListener("input", () => {
      if (dragging) setBehind(-parseInt(seek.value, 10)); // the finger's position, before the seek
    });
    seek.addEventListener("change", () => {
      dragging = false;
      seekBehind(-parseInt(seek.value, 10));
    });
    seek.addEventListener("keydown", (event) => {
      const span = windowNow();
      if (!span) return;
      const now = -parseInt(seek.value, 10);
      const moves = {
        ArrowLeft: now + STEP_S,
        ArrowDown: now + STEP_S,
        ArrowRight: now - STEP_S,
        ArrowUp: now - STEP_S,
        PageDown: now + PAGE_S,
        PageUp: now - PAGE_S,
        Home: Infinity, // the oldest still in the window
        End: 0,
      };
      if (!(event.key in moves)) return;
      event.preventDefault();
      seekBehind(moves[event.key]);
    });
    goLiveButton.addEventListener("click", goLive);
    if (badgeButton) badgeButton.addEventListener("click", goLive);
    for (const type of ["timeupdate", "seeked", "pause", "playing", "emptied"]) video.addEventListener(type, show);
    setInterval(() => { if (video.paused) show(); }, TICK_MS);
    show();

    return {
      // Before a paused viewer plays again: where they were, unless the window has slid past it (then live).
      resume() {
        const span = windowNow();
        if (!span) return;
        if (video.currentTime < span.start) goLive();
        else if (behindNow(span) >= LIVE_SLACK_S) currentEngine().seek(behindNow(span));
      },
    };
  }

  window.gnlDvr = { attach: attach };
})();
