// Live notifications: the bell's unread count and a toast for each new item, pushed over
// /ws/notifications/. The socket only says "something new"; we re-read the truth over HTTP, so
// nothing is lost while disconnected (every reconnect re-reads too).
const bell = document.getElementById("notification-bell");
const HEARTBEAT_MS = 20000;
const MAX_BACKOFF_MS = 30000;
const CLOSE_NOT_LOGGED_IN = 4401;

let lastSeenId = null;
let attempts = 0;
let heartbeat = null;
let toastContainer = null;
let leaving = false;
let current = null;

function socketUrl(path) {
  return `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}${path}`;
}

function setCount(unread) {
  const badge = bell.querySelector("[data-unread-count]");
  badge.textContent = String(unread);
  badge.classList.toggle("d-none", unread === 0);
  bell.setAttribute("aria-label", `Notifications, ${unread} unread`);
}

function ensureToastContainer() {
  if (!toastContainer) {
    toastContainer = document.createElement("div");
    toastContainer.className = "toast-container position-fixed bottom-0 end-0 p-3";
    toastContainer.setAttribute("aria-live", "polite");
    toastContainer.setAttribute("aria-atomic", "false");
    document.body.appendChild(toastContainer);
  }
  return toastContainer;
}

function showToast(item) {
  const toast = document.createElement("div");
  toast.className = "toast";
  toast.setAttribute("role", "status");
  toast.setAttribute("aria-atomic", "true");
  toast.dataset.notificationId = String(item.id);

  const header = document.createElement("div");
  header.className = "toast-header";
  const icon = document.createElement("i");
  icon.className = "bi bi-bell-fill text-primary me-2";
  icon.setAttribute("aria-hidden", "true");
  const title = document.createElement("strong");
  title.className = "me-auto";
  title.textContent = item.kind_label || "Notification";
  const close = document.createElement("button");
  close.type = "button";
  close.className = "btn-close";
  close.setAttribute("data-bs-dismiss", "toast");
  close.setAttribute("aria-label", "Close");
  header.append(icon, title, close);
  toast.appendChild(header);

  const body = document.createElement("div");
  body.className = "toast-body";
  const headline = document.createElement("div");
  headline.className = "fw-semibold";
  headline.textContent = item.title;
  body.appendChild(headline);
  if (item.body) body.append(document.createTextNode(item.body + " "));
  if (item.url) {
    const link = document.createElement("a");
    link.href = item.url;
    link.textContent = "Open";
    body.appendChild(link);
  }
  toast.appendChild(body);
  ensureToastContainer().appendChild(toast);
  if (window.bootstrap) {
    const instance = window.bootstrap.Toast.getOrCreateInstance(toast, { delay: 8000 });
    toast.addEventListener("hidden.bs.toast", () => toast.remove());
    instance.show();
  } else {
    toast.classList.add("show");
  }
}

async function refresh() {
  let data;
  try {
    const response = await fetch(bell.dataset.summaryUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
    if (!response.ok || !(response.headers.get("content-type") || "").includes("json")) return;
    data = await response.json();
  } catch {
    return; // offline for a moment: the next poke or reconnect reads again
  }
  setCount(data.unread);
  if (lastSeenId !== null) {
    data.items
      .filter((item) => item.id > lastSeenId && !item.read)
      .reverse()
      .forEach(showToast);
  }
  lastSeenId = Math.max(lastSeenId ?? 0, ...data.items.map((item) => item.id));
  document.dispatchEvent(new CustomEvent("hms:notifications", { detail: data }));
}

function connect() {
  const socket = new WebSocket(socketUrl("/ws/notifications/"));
  current = socket;
  socket.addEventListener("open", () => {
    attempts = 0;
    bell.dataset.live = "1";
    refresh();
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
    if (message.type === "poke") {
      const receivedAt = performance.timeOrigin + performance.now();
      document.dispatchEvent(new CustomEvent("hms:poke", { detail: { receivedAt } }));
      refresh();
    } else if (message.type === "stats") {
      // Platform statistics changed (super admin only): the stats page re-reads its numbers.
      document.dispatchEvent(new CustomEvent("hms:platform-stats"));
    }
  });
  socket.addEventListener("close", (event) => {
    bell.dataset.live = "0";
    window.clearInterval(heartbeat);
    if (leaving || event.code === CLOSE_NOT_LOGGED_IN) return; // page closing, or signed out
    // Exponential backoff with jitter, so a restarted server is not hit by every tab at once.
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempts) * (0.5 + Math.random() / 2);
    attempts += 1;
    window.setTimeout(connect, delay);
  });
}

// The page arrives with the count rendered; the socket's "open" re-reads (and sets the toast baseline).
if (bell && bell.dataset.summaryUrl && "WebSocket" in window) {
  // Say goodbye cleanly when the tab closes or navigates, so the doctor's "online" ends at once.
  window.addEventListener("pagehide", () => {
    leaving = true;
    if (current) current.close(1000);
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      leaving = false;
      connect(); // back from the back/forward cache
    }
  });
  connect();
}
