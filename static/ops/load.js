// The site's load chart: per phase, capacity vs allocated vs measured over the last rounds,
// redrawn from the page's JSON every few seconds.
(function () {
  "use strict";
  const chart = document.getElementById("load-chart");
  if (!chart) return;
  const WIDTH = 600, HEIGHT = 120, EVERY_MS = 5000;
  const LINES = [["capacity_a", "cap"], ["allocated_a", "alloc"], ["measured_a", "meas"]];

  function path(points, key, phase, top) {
    const values = points.map((point) => (point[key] ? point[key][phase] : null));
    const step = points.length > 1 ? WIDTH / (points.length - 1) : WIDTH;
    let d = "";
    values.forEach((value, index) => {
      if (value === null || value === undefined) return;
      const x = (index * step).toFixed(1);
      const y = (HEIGHT - (value / top) * (HEIGHT - 10)).toFixed(1);
      d += (d ? " L" : "M") + x + " " + y;
    });
    return d;
  }

  function draw(series) {
    const top = Math.max(1, ...series.flatMap((point) => LINES.flatMap(([key]) => point[key] || [])));
    chart.querySelectorAll("svg").forEach((svg) => {
      const phase = Number(svg.dataset.phase);
      svg.replaceChildren();
      LINES.forEach(([key, css]) => {
        const line = document.createElementNS("http://www.w3.org/2000/svg", "path");
        line.setAttribute("d", path(series, key, phase, top));
        line.setAttribute("class", "load-" + css);
        svg.appendChild(line);
      });
    });
  }

  async function refresh() {
    try {
      const response = await fetch(chart.dataset.url, { credentials: "same-origin" });
      if (response.ok) draw((await response.json()).series);
    } catch (error) {
      // A missed refresh is retried on the next tick.
    }
  }

  refresh();
  setInterval(refresh, EVERY_MS);
})();
