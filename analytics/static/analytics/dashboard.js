// Draws the dashboard's charts with Chart.js from the JSON the page carries
// (<script type="application/json" id="analytics-charts">): no inline script, no CDN.
(function () {
  "use strict";

  const palette = ["#417690", "#e08e0b", "#5b9a3c", "#b5462f", "#7b5ea7", "#2f9c9c", "#8c8c8c"];

  function draw() {
    const source = document.getElementById("analytics-charts");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    const specs = JSON.parse(source.textContent);
    for (const spec of specs) {
      const canvas = document.querySelector('canvas[data-chart="' + spec.id + '"]');
      if (!canvas) {
        continue;
      }
      const line = spec.type === "line";
      const datasets = spec.datasets.map(function (dataset, i) {
        const color = palette[i % palette.length];
        return Object.assign({}, dataset, {
          backgroundColor: line ? color : color + "cc",
          borderColor: color,
          borderWidth: line ? 2 : 1,
          pointRadius: line ? 0 : undefined,
          tension: 0.2,
        });
      });
      const stacked = Boolean(spec.options.stacked);
      new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: datasets },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          indexAxis: spec.options.horizontal ? "y" : "x",
          plugins: { legend: { display: datasets.length > 1 } },
          scales: {
            x: { stacked: stacked },
            y: { stacked: stacked, beginAtZero: true },
          },
        },
      });
      canvas.dataset.drawn = "true";
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
