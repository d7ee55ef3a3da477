// Renders the analytics charts with Chart.js (served from static/vendor/chartjs).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const number = (values) => values.map((v) => (v === null ? null : Number(v)));
  new Chart(document.getElementById("chart-usage"), {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: "Sessions", data: data.sessions, yAxisID: "y" },
        { label: "kWh", data: data.energy_kwh, type: "line", yAxisID: "y1" },
      ],
    },
    options: { scales: { y: { beginAtZero: true }, y1: { beginAtZero: true, position: "right" } } },
  });
  new Chart(document.getElementById("chart-revenue"), {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: Object.entries(data.revenue).map(([currency, values]) => ({
        label: "Revenue excl. VAT (" + currency + ")",
        data: number(values),
      })),
    },
    options: { scales: { y: { beginAtZero: true } } },
  });
  new Chart(document.getElementById("chart-availability"), {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        { label: "Utilisation %", data: number(data.utilisation) },
        { label: "Uptime %", data: number(data.uptime) },
      ],
    },
    options: { scales: { y: { min: 0, max: 100 } } },
  });
})();
