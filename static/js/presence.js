// Live "Online / Offline" badges for doctors ({% doctor_presence_badge doctor %}). Listens on the
// public /ws/presence/ socket; after every (re)connect and heartbeat it re-reads the state of the doctors on the page.
const HEARTBEAT_MS = 20000;
const MAX_BACKOFF_MS = 30000;

let attempts = 0;
let heartbeat = null;
let leaving = false;
let current = null;

function badges() {
  return Array.from(document.querySelectorAll("[data-presence-doctor]"));
}

const LABELS = { online: "Online", busy: "Busy", offline: "Offline" };

// state: "online", "busy" (in a consultation or a video call) or "offline".
function show(doctorId, state) {
  badges()
    .filter((badge) => badge.dataset.presenceDoctor === String(doctorId))
    .forEach((badge) => {
      badge.dataset.online = state === "offline" ? "0" : "1";
      badge.dataset.state = state;
      badge.classList.toggle("text-bg-success", state === "online");
      badge.classList.toggle("text-bg-warning", state === "busy");
      badge.classList.toggle("text-bg-secondary", state === "offline");
      const icon = badge.querySelector("i");
      if (icon) icon.className = `bi ${state === "busy" ? "bi-hourglass-split" : "bi-circle-fill"}`;
      badge.querySelector("[data-presence-label]").textContent = LABELS[state];
    });
}

async function reread() {
  const all = badges();
  if (!all.length) return;
  const ids = [...new Set(all.map((badge) => badge.dataset.presenceDoctor))];
  const url = new URL(all[0].dataset.presenceUrl, window.location.href);
  ids.forEach((id) => url.searchParams.append("doctor", id));
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) return;
    const data = await response.json();
    const online = new Set(data.online.map(String));
    const busy = new Set((data.busy || []).map(String));
    ids.forEach((id) => show(id, busy.has(id) ? "busy" : online.has(id) ? "online" : "offline"));
  } catch {
    // the socket's next reconnect tries again
  }
}

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${window.location.host}/ws/presence/`);
  current = socket;
  socket.addEventListener("open", () => {
    attempts = 0;
    document.body.dataset.presenceLive = "1";
    reread();
    heartbeat = window.setInterval(() => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "heartbeat" }));
    }, HEARTBEAT_MS);
  });
  socket.addEventListener("message", (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message.type === "presence") show(message.doctor, message.state || (message.online ? "online" : "offline"));
    // Each heartbeat reply re-reads the truth (the server expires silent tabs), so a change whose push
    // this page missed still shows within a heartbeat or two.
    if (message.type === "pong") reread();
  });
  socket.addEventListener("close", () => {
    document.body.dataset.presenceLive = "0";
    window.clearInterval(heartbeat);
    if (leaving) return;
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempts) * (0.5 + Math.random() / 2);
    attempts += 1;
    window.setTimeout(connect, delay);
  });
}

if (badges().length && "WebSocket" in window) {
  window.addEventListener("pagehide", () => {
    leaving = true;
    if (current) current.close(1000);
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      leaving = false;
      connect();
    }
  });
  connect();
}
