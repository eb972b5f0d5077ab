// The planning page's chart (Chart.js, vendored): the canvas carries its data in data-spec.
// Drawn when the page loads and again whenever htmx swaps in a new day (no id on the canvas:
// htmx would copy the old one's style attribute onto it, which the content security policy
// refuses). The table beside the chart says the same in words (the canvas is an image to
// assistive technology).
(function () {
  "use strict";

  function draw(root) {
    if (typeof Chart === "undefined" || !root.querySelectorAll) { return; }
    root.querySelectorAll("canvas[data-spec]").forEach(function (canvas) {
      if (Chart.getChart(canvas)) { return; }
      var spec = JSON.parse(canvas.dataset.spec);
      new Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: { legend: { display: spec.datasets.length > 1 } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: spec.yTitle } } }
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
    // A swapped-out chart is let go (Chart.js keeps every chart it draws until destroyed).
    document.body.addEventListener("htmx:beforeSwap", function (e) {
      if (typeof Chart === "undefined") { return; }
      e.detail.target.querySelectorAll("canvas[data-spec]").forEach(function (canvas) {
        var chart = Chart.getChart(canvas);
        if (chart) { chart.destroy(); }
      });
    });
    document.body.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
  });
})();
