// The benchmark page's report charts, drawn by the vendored Chart.js from the numbers the page embeds
// (#bench-report-charts, written by json_script). The list under each canvas holds the same numbers as text.
// A chart whose bars have a spread (the middle half of the rounds) draws it as a thin dark floating bar across
// each bar: its shape, the note above the chart and the text list say what it is, not its colour alone.
"use strict";
(function () {
  const source = document.getElementById("bench-report-charts");
  if (!source || typeof Chart === "undefined") return;
  window.benchCharts = JSON.parse(source.textContent).map((spec) => {
    const canvas = document.getElementById(spec.id);
    if (!canvas) return null;
    const datasets = [{ label: "median", data: spec.values, backgroundColor: spec.colours, borderRadius: 3 }];
    const ranges = spec.ranges || [];
    if (ranges.some((range) => range !== null)) {
      // A floating bar [p25, p75] per variant, overlaid on the median's bar (not beside it), a third as thick.
      datasets.push({ label: spec.range_label, data: ranges, backgroundColor: "#1b1f29", grouped: false,
                      barPercentage: 0.3, categoryPercentage: 1 });
    }
    return new Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: "y", animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => spec.texts[item.dataIndex] } } },
        scales: { x: { beginAtZero: true } },
      },
    });
  }).filter(Boolean);
  document.body.dataset.benchChartsDrawn = String(window.benchCharts.length);
})();
