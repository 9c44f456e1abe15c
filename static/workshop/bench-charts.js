// The benchmark page's report charts, drawn by the vendored Chart.js from the numbers the page embeds
// (#bench-report-charts, written by json_script). The list under each canvas holds the same numbers as text.
"use strict";
(function () {
  const source = document.getElementById("bench-report-charts");
  if (!source || typeof Chart === "undefined") return;
  window.benchCharts = JSON.parse(source.textContent).map((spec) => {
    const canvas = document.getElementById(spec.id);
    if (!canvas) return null;
    return new Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: [{ data: spec.values, backgroundColor: spec.colours, borderRadius: 3 }] },
      options: {
        indexAxis: "y", animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => spec.texts[item.dataIndex] } } },
        scales: { x: { beginAtZero: true } },
      },
    });
  }).filter(Boolean);
  document.body.dataset.benchChartsDrawn = String(window.benchCharts.length);
})();
