// The console dashboard's charts, drawn by the vendored Chart.js from the numbers the page embeds
// (#console-charts, written by Django's json_script). Nothing is fetched.
"use strict";
(function () {
  const source = document.getElementById("console-charts");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const colours = { session: "#1f7a5a", jwt: "#6a3fb5", hybrid: "#a15c00", admin: "#5b6475", other: "#8a93a6" };
  const kindColours = ["#1f7a5a", "#b3261e", "#a15c00", "#6a3fb5"];
  const labels = data.kinds.map((k) => k.label);
  function perDoor(counts) {
    return data.doors.map((door) => ({
      label: door,
      backgroundColor: colours[door] || "#8a93a6",
      data: data.kinds.map((k) => (counts[k.kind] || {})[door] || 0),
    }));
  }
  const barOptions = {
    animation: false, responsive: true, maintainAspectRatio: false,
    scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
  };
  window.consoleCharts = [
    new Chart(document.getElementById("chart-hour"), { type: "bar", data: { labels, datasets: perDoor(data.hour) }, options: barOptions }),
    new Chart(document.getElementById("chart-day"), { type: "bar", data: { labels, datasets: perDoor(data.day) }, options: barOptions }),
    new Chart(document.getElementById("chart-timeline"), {
      type: "line",
      data: {
        labels: data.timeline.hours.map((h) => h.slice(11, 16)),
        datasets: data.kinds.map((k, i) => ({ label: k.label, data: data.timeline[k.kind], borderColor: kindColours[i], backgroundColor: kindColours[i], tension: 0.2 })),
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    }),
  ];
  document.body.dataset.chartsDrawn = String(window.consoleCharts.length);
})();
