// The studio's clip cutter: two handles on the recording's timeline (range inputs: drag, or arrow keys), kept in
// step with the form's start and length fields and the video's current time; a clip lasts at most data-max s.
(function () {
  "use strict";
  const form = document.querySelector("[data-clip-cutter]");
  const video = document.getElementById("clip-source");
  if (!form || !video) return;
  const MIN = 0.5;
  const MAX = Number(form.dataset.max) || 60;
  const controls = form.querySelector("[data-clip-enhanced]");
  const startHandle = document.getElementById("clip-start-handle");
  const endHandle = document.getElementById("clip-end-handle");
  const startField = form.elements.namedItem("start");
  const lengthField = form.elements.namedItem("duration");
  const range = form.querySelector(".clip-range");
  const playhead = form.querySelector(".clip-playhead");
  const summary = form.querySelector(".clip-summary");
  let total = Number(form.dataset.duration) || 0;
  let start = 0;
  let end = 0;
  let previewing = false;

  const round = (value) => Math.round(value * 10) / 10;
  function clock(seconds) {
    const whole = Math.max(0, Math.round(seconds));
    const hours = Math.floor(whole / 3600);
    const minutes = Math.floor((whole % 3600) / 60);
    const secs = String(whole % 60).padStart(2, "0");
    return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + secs : minutes + ":" + secs;
  }

  // Moving one end pushes (or pulls) the other so the clip stays between MIN and MAX seconds inside the video.
  function set(newStart, newEnd, moved) {
    newStart = Math.min(Math.max(0, newStart), Math.max(0, total - MIN));
    newEnd = Math.min(Math.max(MIN, newEnd), total);
    if (moved === "end") {
      if (newEnd - newStart > MAX) newStart = newEnd - MAX;
      if (newEnd - newStart < MIN) newStart = Math.max(0, newEnd - MIN);
    } else {
      if (newEnd - newStart > MAX) newEnd = newStart + MAX;
      if (newEnd - newStart < MIN) newEnd = Math.min(total, newStart + MIN);
    }
    start = round(newStart);
    end = round(newEnd);
    render();
  }

  function render() {
    startHandle.value = String(start);
    endHandle.value = String(end);
    startField.value = String(start);
    lengthField.value = String(round(end - start));
    startHandle.setAttribute("aria-valuetext", clock(start));
    endHandle.setAttribute("aria-valuetext", clock(end));
    if (total > 0) {
      range.style.setProperty("left", (start / total) * 100 + "%");
      range.style.setProperty("width", ((end - start) / total) * 100 + "%");
    }
    summary.textContent = "Clip: " + clock(start) + " to " + clock(end) + " (" + round(end - start) + " s)";
  }

  function fromFields() {
    const s = Number(startField.value);
    const length = Number(lengthField.value);
    if (Number.isFinite(s) && Number.isFinite(length)) set(s, s + length, "start");
  }

  function ready() {
    if (Number.isFinite(video.duration) && video.duration > 0) total = video.duration;
    if (!(total > 0)) return;
    startHandle.max = String(total);
    endHandle.max = String(total);
    const s = Number(startField.value) || 0;
    const length = Number(lengthField.value) || Math.min(30, total);
    set(s, s + length, "start");
  }

  controls.hidden = false;
  startHandle.addEventListener("input", () => {
    set(Number(startHandle.value), end, "start");
    video.currentTime = start;
  });
  endHandle.addEventListener("input", () => {
    set(start, Number(endHandle.value), "end");
    video.currentTime = end;
  });
  startField.addEventListener("change", fromFields);
  lengthField.addEventListener("change", fromFields);
  form.querySelector('[data-clip-set="start"]').addEventListener("click", () => set(video.currentTime, end, "start"));
  form.querySelector('[data-clip-set="end"]').addEventListener("click", () => set(start, video.currentTime, "end"));
  form.querySelector("[data-clip-preview]").addEventListener("click", () => {
    previewing = true;
    video.currentTime = start;
    video.play().catch(() => { previewing = false; });
  });
  video.addEventListener("timeupdate", () => {
    if (total > 0) playhead.style.setProperty("left", (video.currentTime / total) * 100 + "%");
    if (previewing && video.currentTime >= end) {
      previewing = false;
      video.pause();
    }
  });
  video.addEventListener("pause", () => { previewing = false; });
  video.addEventListener("loadedmetadata", ready);
  ready();
})();
