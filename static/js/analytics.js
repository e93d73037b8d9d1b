// The studio's analytics charts (uPlot, vendored): drawn from the numbers the page's tables already show
// (JSON blocks beside them). Each chart is a picture of its table; series differ by colour, dash and legend label.
// uPlot itself is fetched (same origin) only when the first chart comes near the screen.
(function () {
  "use strict";
  const UPLOT_SRC = document.currentScript && document.currentScript.dataset.uplot;
  const UPLOT_CSS = document.currentScript && document.currentScript.dataset.uplotCss;
  if (!UPLOT_SRC) return;
  let uPlot = null;
  const HEIGHT = 220;
  const GREEN = "#006b3f";
  const AMBER = "#9a5b00";
  const BLUE = "#1f5fa8";

  function read(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function dayTime(day) {
    const [y, m, d] = day.split("-").map(Number);
    return Date.UTC(y, m - 1, d) / 1000;
  }

  function line(label, stroke, dash) {
    return { label: label, stroke: stroke, width: 2, dash: dash || undefined, points: { show: false } };
  }

  function bars(label, fill) {
    return { label: label, stroke: fill, fill: fill, width: 1, paths: uPlot.paths.bars({ size: [0.7, 40] }), points: { show: false } };
  }

  function draw(node, series, data, options) {
    const width = () => Math.max(240, node.clientWidth);
    const plot = new uPlot(
      Object.assign(
        {
          width: width(),
          height: HEIGHT,
          series: [{}].concat(series),
          axes: [{}, { size: 56 }],
          cursor: { drag: { x: false, y: false } },
        },
        options
      ),
      data,
      node
    );
    if ("ResizeObserver" in window) {
      let last = width();
      new ResizeObserver(() => {
        if (width() !== last) {
          last = width();
          plot.setSize({ width: last, height: HEIGHT });
        }
      }).observe(node);
    }
  }

  let loading = null;
  function withUPlot() {
    if (!loading) {
      if (UPLOT_CSS) {
        const sheet = document.createElement("link");
        sheet.rel = "stylesheet";
        sheet.href = UPLOT_CSS;
        document.head.appendChild(sheet);
      }
      loading = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = UPLOT_SRC;
        script.onload = () => {
          uPlot = window.uPlot;
          resolve();
        };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  const byUTC = { tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC") };

  const charts = {
    revenue(node, days) {
      draw(
        node,
        [bars("Gifts (coins)", GREEN), line("Access (coins)", AMBER, [6, 4]), line("Subscriptions (coins)", BLUE, [2, 3])],
        [days.map((d) => dayTime(d.day)), days.map((d) => d.gift_coins), days.map((d) => d.access_coins), days.map((d) => d.subscription_coins)],
        byUTC
      );
    },
    followers(node, days) {
      draw(
        node,
        [line("Followers", GREEN), Object.assign(line("Subscribers", BLUE, [6, 4]), { scale: "subs" })],
        [days.map((d) => dayTime(d.day)), days.map((d) => d.followers), days.map((d) => d.subscribers)],
        Object.assign({ axes: [{}, { size: 56 }, { scale: "subs", side: 1, size: 40, grid: { show: false } }] }, byUTC)
      );
    },
    audience(node, days) {
      draw(
        node,
        [bars("Views", GREEN), Object.assign(line("Chat messages", AMBER, [6, 4]), { scale: "chat" })],
        [days.map((d) => dayTime(d.day)), days.map((d) => d.views), days.map((d) => d.chat_messages)],
        Object.assign({ axes: [{}, { size: 56 }, { scale: "chat", side: 1, size: 48, grid: { show: false } }] }, byUTC)
      );
    },
    hours(node, hours) {
      draw(
        node,
        [bars("Views", GREEN)],
        [hours.map((h) => h.hour), hours.map((h) => h.views)],
        {
          scales: { x: { time: false, range: [-0.5, 23.5] } },
          axes: [{ values: (u, ticks) => ticks.map((t) => String(t).padStart(2, "0") + ":00") }, { size: 56 }],
        }
      );
    },
    viewers(node, minutes) {
      const zone = node.dataset.timeZone || "Etc/UTC";
      draw(
        node,
        [Object.assign(line("Viewers", GREEN), { fill: "rgba(0, 107, 63, 0.12)" })],
        [minutes.map((m) => Date.parse(m.minute) / 1000), minutes.map((m) => m.viewers)],
        { tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone) }
      );
    },
    activity(node, minutes) {
      const zone = node.dataset.timeZone || "Etc/UTC";
      draw(
        node,
        [line("Chat messages", AMBER), Object.assign(bars("Gifts", GREEN), { scale: "gifts" })],
        [minutes.map((m) => Date.parse(m.minute) / 1000), minutes.map((m) => m.chat_messages), minutes.map((m) => m.gifts)],
        {
          tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
          axes: [{}, { size: 56 }, { scale: "gifts", side: 1, size: 40, grid: { show: false } }],
        }
      );
    },
  };

  const sources = {
    revenue: "analytics-days",
    followers: "analytics-days",
    audience: "analytics-days",
    hours: "analytics-hours",
    viewers: "analytics-minutes",
    activity: "analytics-minutes",
  };
  const cache = {};
  function drawOne(node) {
    const name = node.dataset.chart;
    if (node.classList.contains("drawn") || !charts[name]) return;
    const source = sources[name];
    const rows = cache[source] || (cache[source] = read(source));
    if (!rows || !rows.length) return;
    withUPlot().then(() => {
      if (node.classList.contains("drawn")) return;
      charts[name](node, rows);
      node.classList.add("drawn");
    });
  }

  // A chart is drawn when it comes near the screen: the page is usable at once, however many charts follow.
  document.documentElement.classList.add("analytics-charts");
  const nodes = document.querySelectorAll("[data-chart]");
  if (!("IntersectionObserver" in window)) {
    nodes.forEach(drawOne);
    return;
  }
  const observer = new IntersectionObserver(
    (entries) => {
      entries.forEach((entry) => {
        if (!entry.isIntersecting) return;
        observer.unobserve(entry.target);
        drawOne(entry.target);
      });
    },
    { rootMargin: "0px" }
  );
  nodes.forEach((node) => observer.observe(node));
})();
