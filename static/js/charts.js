// Charts from data tables: each <figure data-chart> holds a <table> that stays the source of truth (and what
// screen readers and visitors without JavaScript read); we draw a Chart.js chart from it above the table.
// data-series lists the table's column indexes to plot; a cell's data-value (if present) overrides its text.
const PALETTE = ["#0d6efd", "#dc3545", "#6c757d", "#198754", "#fd7e14", "#6f42c1"];
const POINTS = ["circle", "triangle", "rect", "rectRot", "star", "cross"];
const DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3], [], [4, 4]];

function cellValue(cell) {
  const raw = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
  if (raw === "" || raw === "—") return null;
  const number = Number.parseFloat(raw.replace(/[^0-9.\-]/g, ""));
  return Number.isNaN(number) ? null : number;
}

function draw(figure) {
  const table = figure.querySelector("table");
  if (!table || !window.Chart) return;
  const headers = [...table.tHead.rows[0].cells].map((cell) => cell.textContent.trim());
  const rows = [...table.tBodies[0].rows].filter((row) => row.cells.length > 1);
  if (!rows.length) return;
  const type = figure.dataset.chart || "line";
  const columns = (figure.dataset.series || "1").split(",").map(Number);
  const datasets = columns.map((column, index) => ({
    label: headers[column],
    data: rows.map((row) => cellValue(row.cells[column])),
    borderColor: PALETTE[index % PALETTE.length],
    backgroundColor: PALETTE[index % PALETTE.length],
    pointStyle: POINTS[index % POINTS.length],
    borderDash: DASHES[index % DASHES.length],
    pointRadius: 4,
    spanGaps: true,
  }));
  const box = document.createElement("div");
  box.className = "chart-box";
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  const summary = figure.querySelector(".chart-summary");
  canvas.setAttribute("aria-label", summary ? summary.textContent.trim() : headers.join(", "));
  box.appendChild(canvas);
  figure.insertBefore(box, figure.querySelector("figcaption").nextSibling);
  const stacked = figure.dataset.stacked === "true";
  const chart = new window.Chart(canvas, {
    type,
    data: { labels: rows.map((row) => row.cells[0].textContent.trim()), datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: figure.dataset.horizontal === "true" ? "y" : "x",
      scales: { x: { stacked }, y: { stacked, beginAtZero: type === "bar" } },
      plugins: { legend: { labels: { usePointStyle: true } } },
    },
  });
  figure.dataset.chartReady = "true";
  return chart;
}

export function drawCharts(root = document) {
  for (const figure of root.querySelectorAll("figure[data-chart]")) {
    if (figure.dataset.chartReady !== "true") draw(figure);
  }
}

drawCharts();
