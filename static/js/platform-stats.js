// Live platform statistics: the notification socket says "stats changed" (hms:platform-stats); we re-read
// the numbers over HTTP and swap them in. At most one read in flight, and one more if a poke came meanwhile.
import { drawCharts } from "./charts.js";

const container = document.getElementById("platform-stats");
const status = document.getElementById("live-status");
let loading = false;
let again = false;

async function refresh() {
  if (loading) {
    again = true;
    return;
  }
  loading = true;
  try {
    const response = await fetch(container.dataset.liveUrl, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (response.ok) {
      container.innerHTML = await response.text();
      drawCharts(container);
      container.dataset.updatedAt = String(Date.now());
      status.textContent = `${status.dataset.updatedLabel || "Updated"} ${new Date().toLocaleTimeString()}`;
    }
  } finally {
    loading = false;
    if (again) {
      again = false;
      refresh();
    }
  }
}

if (container) {
  document.addEventListener("hms:platform-stats", refresh);
  // Re-read on reconnect too (a poke may have been missed while the socket was down), and once a minute.
  document.addEventListener("hms:poke", refresh);
  setInterval(refresh, 60000);
}
