// The team lead's charts (Chart.js, vendored): each canvas names a JSON data block beside it.
// The tables next to each chart say the same in words (the canvas is an image to assistive tech).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Chart === "undefined") { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var block = document.getElementById(canvas.dataset.chart);
      if (!block) { return; }
      var spec = JSON.parse(block.textContent);
      new Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          indexAxis: spec.horizontal ? "y" : "x",
          plugins: { legend: { display: spec.datasets.length > 1 } },
          scales: spec.type === "line"
            ? { y: { suggestedMin: 0, suggestedMax: 100 } }
            : spec.horizontal ? { x: { min: 0, suggestedMax: spec.suggestedMax || undefined } } : {}
        }
      });
    });
  });
})();
