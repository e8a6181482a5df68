// Draws the dashboard charts from the JSON block the page carries (no inline scripts, so the
// Content-Security-Policy can forbid them). Each canvas names its chart in data-chart; the same
// numbers are in the table under it, for screen readers and for anyone without JavaScript.
(function () {
  "use strict";
  const source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  const specs = JSON.parse(source.textContent);
  const palette = ["#0b5394", "#e69138", "#6aa84f", "#cc0000", "#674ea7", "#45818e", "#bf9000"];

  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const spec = specs[canvas.dataset.chart];
    if (!spec) {
      return;
    }
    const round = spec.type === "doughnut";
    const datasets = spec.datasets.map((dataset, i) => ({
      label: dataset.label,
      data: dataset.data,
      backgroundColor: round ? palette : palette[i % palette.length],
      borderColor: round ? "#fff" : palette[i % palette.length],
    }));
    const options = {
      // Axis ticks and tooltips group and mark decimals as the page does (Chart.js formats
      // with Intl.NumberFormat, in the browser's own language unless told).
      locale: document.documentElement.lang,
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom" } },
    };
    if (!round) {
      options.indexAxis = spec.horizontal ? "y" : "x";
      options.scales = {
        x: { stacked: Boolean(spec.stacked), beginAtZero: true },
        y: { stacked: Boolean(spec.stacked), beginAtZero: true },
      };
    }
    new Chart(canvas, { type: spec.type, data: { labels: spec.labels, datasets }, options });
  });
})();
