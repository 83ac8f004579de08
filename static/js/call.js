// Video consultation page: camera/microphone, one RTCPeerConnection to the other participant, chat.
//
// Signalling runs over /ws/calls/<id>/ and uses "perfect negotiation": the patient is the polite peer
// (on an offer collision it rolls back and takes the doctor's offer), the doctor the impolite one. When
// the other side (re)joins, both sides start a fresh RTCPeerConnection, so a reload or a dropped network
// on either side re-establishes the call without the other person doing anything.

const root = document.getElementById("call");
const config = JSON.parse(document.getElementById("call-config").textContent);

const els = {
  state: document.getElementById("call-state"),
  notice: document.getElementById("media-notice"),
  local: document.getElementById("local-video"),
  remote: document.getElementById("remote-video"),
  placeholder: document.getElementById("remote-placeholder"),
  remoteMedia: document.getElementById("remote-media"),
  audioButton: document.getElementById("toggle-audio"),
  videoButton: document.getElementById("toggle-video"),
  retryButton: document.getElementById("retry-media"),
  playButton: document.getElementById("play-media"),
  hangUpButton: document.getElementById("hang-up"),
  rejoin: document.getElementById("rejoin"),
  chatLog: document.getElementById("chat-log"),
  chatForm: document.getElementById("chat-form"),
  chatInput: document.getElementById("chat-input"),
  chatError: document.getElementById("chat-error"),
  record: document.getElementById("call-record"),
};

const peerLabel = config.peerRole === "doctor" ? "the doctor" : "the patient";
const STATE_TEXT = {
  connecting: "Connecting…",
  waiting: `Waiting for ${peerLabel} to join…`,
  connected: "Connected",
  reconnecting: "Reconnecting…",
  ended: "Call ended",
};

let localStream = null;
let pc = null;
let ws = null;
let polite = config.role === "patient";
let peerSession = null; // the other participant's current socket
let makingOffer = false;
let ignoreOffer = false;
let iceServers = [];
let ended = false;
let everConnected = false;
let reconnectDelay = 500;
let messageQueue = Promise.resolve();

function setState(state, detail) {
  els.state.dataset.state = state;
  els.state.textContent = detail ? `${STATE_TEXT[state]}. ${detail}` : STATE_TEXT[state];
  root.dataset.state = state;
}

// The doctor's call-record panel: re-read from the server whenever someone joins or leaves.
let recordRefresh = null;
function refreshRecord() {
  if (!els.record) return;
  clearTimeout(recordRefresh);
  recordRefresh = setTimeout(async () => {
    try {
      const response = await fetch(els.record.dataset.url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) els.record.innerHTML = await response.text();
    } catch {
      // The next join or leave tries again.
    }
  }, 200);
}

function peerWaiting(text) {
  peerSession = null;
  closePeerConnection();
  els.placeholder.hidden = false;
  els.placeholder.textContent = text;
  setState(everConnected ? "reconnecting" : "waiting");
  if (everConnected) els.state.textContent = `Reconnecting… waiting for ${peerLabel} to come back.`;
}

function showNotice(text) {
  els.notice.textContent = text;
  els.notice.hidden = !text;
}

// --- camera and microphone -------------------------------------------------------------------------

async function getMedia() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    showNotice(
      "This browser cannot use a camera or microphone here (video calls need HTTPS). " +
        "You can still use the chat and hear and see the other side.",
    );
    return null;
  }
  const attempts = [
    { constraints: { audio: true, video: true }, notice: "" },
    {
      constraints: { audio: true, video: false },
      notice: "No camera could be used, so you join with audio only. The other side can still be seen.",
    },
    {
      constraints: { audio: false, video: true },
      notice: "No microphone could be used, so you join with video only. Use the chat to write.",
    },
  ];
  let lastError = null;
  for (const attempt of attempts) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia(attempt.constraints);
      showNotice(attempt.notice);
      return stream;
    } catch (error) {
      lastError = error;
      if (error.name === "NotAllowedError" || error.name === "SecurityError") break;
    }
  }
  const denied = lastError && (lastError.name === "NotAllowedError" || lastError.name === "SecurityError");
  showNotice(
    (denied
      ? "Camera and microphone access was refused, so the other side cannot see or hear you. "
      : "No camera or microphone was found, so the other side cannot see or hear you. ") +
      "You can still see and hear them, and use the chat.",
  );
  els.retryButton.hidden = false;
  return null;
}

function updateMediaButtons() {
  const audio = localStream?.getAudioTracks()[0];
  const video = localStream?.getVideoTracks()[0];
  els.audioButton.disabled = !audio;
  els.videoButton.disabled = !video;
  const muted = !audio || !audio.enabled;
  els.audioButton.setAttribute("aria-pressed", String(Boolean(audio) && muted));
  els.audioButton.querySelector("span").textContent = audio ? (muted ? "Unmute" : "Mute") : "No microphone";
  els.audioButton.querySelector("i").className = muted ? "bi bi-mic-mute" : "bi bi-mic";
  const cameraOff = !video || !video.enabled;
  els.videoButton.setAttribute("aria-pressed", String(Boolean(video) && cameraOff));
  els.videoButton.querySelector("span").textContent = video
    ? cameraOff ? "Turn camera on" : "Turn camera off"
    : "No camera";
  els.videoButton.querySelector("i").className = cameraOff ? "bi bi-camera-video-off" : "bi bi-camera-video";
}

function announceMedia() {
  const audio = localStream?.getAudioTracks()[0];
  const video = localStream?.getVideoTracks()[0];
  send({ type: "media", audio: Boolean(audio && audio.enabled), video: Boolean(video && video.enabled) });
}

els.audioButton.addEventListener("click", () => {
  const track = localStream?.getAudioTracks()[0];
  if (!track) return;
  track.enabled = !track.enabled;
  updateMediaButtons();
  announceMedia();
});

els.videoButton.addEventListener("click", () => {
  const track = localStream?.getVideoTracks()[0];
  if (!track) return;
  track.enabled = !track.enabled;
  updateMediaButtons();
  announceMedia();
});

els.retryButton.addEventListener("click", async () => {
  const stream = await getMedia();
  if (!stream) return;
  els.retryButton.hidden = true;
  localStream = stream;
  els.local.srcObject = stream;
  updateMediaButtons();
  if (peerSession) startPeerConnection();
});

els.playButton.addEventListener("click", () => {
  els.remote.play().then(() => {
    els.playButton.hidden = true;
  });
});

// --- peer connection (perfect negotiation) -----------------------------------------------------------

function closePeerConnection() {
  if (!pc) return;
  pc.onnegotiationneeded = pc.onicecandidate = pc.ontrack = pc.onconnectionstatechange = null;
  pc.close();
  pc = null;
  els.remote.srcObject = null;
}

function startPeerConnection() {
  closePeerConnection();
  makingOffer = false;
  ignoreOffer = false;
  const connection = new RTCPeerConnection({ iceServers });
  pc = connection;
  const remoteStream = new MediaStream();
  els.remote.srcObject = remoteStream;

  const kinds = new Set();
  for (const track of localStream ? localStream.getTracks() : []) {
    connection.addTrack(track, localStream);
    kinds.add(track.kind);
  }
  // Without a camera or microphone we still want to receive the other side.
  for (const kind of ["audio", "video"]) {
    if (!kinds.has(kind)) connection.addTransceiver(kind, { direction: "recvonly" });
  }

  connection.ontrack = ({ track }) => {
    remoteStream.addTrack(track);
    els.placeholder.hidden = true;
    els.remote.play().catch(() => {
      els.playButton.hidden = false;
    });
  };
  connection.onicecandidate = ({ candidate }) => {
    if (pc === connection) send({ type: "candidate", candidate });
  };
  connection.onnegotiationneeded = async () => {
    try {
      makingOffer = true;
      await connection.setLocalDescription();
      if (pc === connection) send({ type: "description", description: connection.localDescription });
    } catch (error) {
      console.warn("Could not make an offer", error);
    } finally {
      makingOffer = false;
    }
  };
  connection.onconnectionstatechange = () => {
    if (pc !== connection || ended) return;
    const state = connection.connectionState;
    if (state === "connected") {
      everConnected = true;
      setState("connected");
      els.placeholder.hidden = true;
      announceMedia();
    } else if (state === "disconnected") {
      setState("reconnecting");
    } else if (state === "failed") {
      setState("reconnecting");
      connection.restartIce();
    }
  };
}

// If a fresh connection has not come up after a while (a lost offer, a stalled ICE gathering), start
// over: greet the other side again (it drops its half and waits) and offer from a new connection.
const WATCHDOG_MS = 10000;
let watchdog = null;

function armWatchdog() {
  clearTimeout(watchdog);
  const connection = pc;
  watchdog = setTimeout(() => {
    if (ended || pc !== connection || !peerSession || (pc && pc.connectionState === "connected")) return;
    send({ type: "present" });
    startPeerConnection();
    armWatchdog();
  }, WATCHDOG_MS);
}

async function onDescription(description) {
  if (!pc) startPeerConnection();
  const connection = pc;
  const offerCollision = description.type === "offer" && (makingOffer || connection.signalingState !== "stable");
  ignoreOffer = !polite && offerCollision;
  if (ignoreOffer) return;
  await connection.setRemoteDescription(description); // rolls back our own offer when polite
  if (description.type === "offer") {
    await connection.setLocalDescription();
    if (pc === connection) send({ type: "description", description: connection.localDescription });
  }
}

async function onCandidate(candidate) {
  if (!pc) return;
  try {
    await pc.addIceCandidate(candidate);
  } catch (error) {
    if (!ignoreOffer) console.warn("Could not add an ICE candidate", error);
  }
}

// --- signalling socket -------------------------------------------------------------------------------

function send(message) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}

async function fetchIceServers() {
  try {
    const response = await fetch(config.iceUrl, { credentials: "same-origin", cache: "no-store" });
    if (response.ok) iceServers = (await response.json()).iceServers;
  } catch {
    // Keep the servers we had; the socket reconnect below retries.
  }
}

async function connect() {
  if (ended) return;
  await fetchIceServers();
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${window.location.host}${config.wsPath}`);
  ws = socket;
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    // One message at a time, in order: a description must be applied before the next candidate.
    messageQueue = messageQueue.then(() => handle(message)).catch((error) => console.warn(error));
  };
  socket.onclose = (event) => {
    if (ws !== socket) return;
    ws = null;
    if (ended) return;
    if (event.code === 4403) {
      end("The call is closed: its time window has passed or the appointment was completed or cancelled.");
      return;
    }
    if (event.code === 4409) {
      end("You opened this call in another window; it continues there.");
      return;
    }
    setState("reconnecting");
    setTimeout(connect, reconnectDelay);
    reconnectDelay = Math.min(reconnectDelay * 2, 5000);
  };
}

async function handle(message) {
  if (ended) return;
  switch (message.type) {
    case "welcome":
      reconnectDelay = 500;
      polite = message.polite;
      renderChatHistory(message.chat);
      // Our own socket is new: whatever connection we had belongs to an older session.
      closePeerConnection();
      peerSession = null;
      setState(everConnected ? "reconnecting" : "waiting");
      if (everConnected) els.state.textContent = `Reconnecting… waiting for ${peerLabel}.`;
      refreshRecord();
      break;
    case "joined":
      // The other side arrived (first time, after a reload or after a network drop): greet it, then
      // offer from a fresh connection. The newcomer waits for that offer instead of offering too, which
      // keeps offer collisions (handled by perfect negotiation) to the rare case of both joining at once.
      peerSession = message.session;
      send({ type: "present" });
      setState(everConnected ? "reconnecting" : "connecting");
      startPeerConnection();
      armWatchdog();
      refreshRecord();
      break;
    case "present":
      // Both joined at once and greeted each other: the impolite side (doctor) keeps its offer.
      if (message.session === peerSession && pc && !polite) break;
      peerSession = message.session;
      closePeerConnection();
      setState(everConnected ? "reconnecting" : "connecting");
      break;
    case "left":
      refreshRecord();
      if (message.session !== peerSession) break;
      peerWaiting(`${peerLabel[0].toUpperCase()}${peerLabel.slice(1)} left the call. Waiting for them to come back…`);
      break;
    case "description":
      if (message.session !== peerSession) break;
      await onDescription(message.description);
      break;
    case "candidate":
      if (message.session !== peerSession) break;
      await onCandidate(message.candidate);
      break;
    case "media":
      showRemoteMedia(message);
      break;
    case "hangup":
      // Only the side that hung up leaves; this one stays, so a Rejoin over there reconnects both.
      if (message.session !== peerSession) break;
      peerWaiting(`${peerLabel[0].toUpperCase()}${peerLabel.slice(1)} hung up. Stay here: the call resumes if they rejoin.`);
      els.state.textContent = `${peerLabel[0].toUpperCase()}${peerLabel.slice(1)} hung up. Waiting in case they rejoin…`;
      break;
    case "ended":
      // The appointment was completed (or cancelled): the call is over for both, no rejoining.
      end(message.reason);
      els.rejoin.hidden = true;
      break;
    case "chat":
      appendChat(message.message);
      break;
    case "error":
      els.chatError.textContent = message.message;
      els.chatError.hidden = false;
      break;
    case "replaced":
      end("You opened this call in another window; it continues there.");
      break;
  }
}

function showRemoteMedia({ audio, video }) {
  const off = [];
  if (!audio) off.push("microphone off");
  if (!video) off.push("camera off");
  els.remoteMedia.textContent = off.length ? `${peerLabel[0].toUpperCase()}${peerLabel.slice(1)}: ${off.join(", ")}` : "";
  els.remoteMedia.hidden = off.length === 0;
}

function end(reason) {
  if (ended) return;
  ended = true;
  closePeerConnection();
  if (ws) {
    const socket = ws;
    ws = null;
    socket.close(1000);
  }
  for (const track of localStream ? localStream.getTracks() : []) track.stop();
  els.local.srcObject = null;
  setState("ended", reason);
  els.placeholder.hidden = false;
  els.placeholder.textContent = reason;
  els.hangUpButton.hidden = true;
  els.audioButton.disabled = els.videoButton.disabled = true;
  els.rejoin.hidden = false;
  els.chatInput.disabled = true;
  els.chatForm.querySelector("button[type=submit]").disabled = true;
  els.local.hidden = true;
}

els.hangUpButton.addEventListener("click", () => {
  send({ type: "hangup" });
  end("You ended the call.");
});

// --- chat ----------------------------------------------------------------------------------------------

function chatItem(message) {
  const item = document.createElement("li");
  item.className = `call-chat-item call-chat-${message.sender_role === config.role ? "mine" : "theirs"}`;
  item.dataset.messageId = message.id;
  const meta = document.createElement("div");
  meta.className = "small text-body-secondary";
  meta.textContent = `${message.sender_role === config.role ? "You" : message.sender_name} · ${message.time}`;
  const body = document.createElement("div");
  body.className = "call-chat-body";
  body.textContent = message.body;
  item.append(meta, body);
  return item;
}

function renderChatHistory(messages) {
  els.chatLog.replaceChildren();
  if (!messages.length) {
    const empty = document.createElement("li");
    empty.className = "text-body-secondary small";
    empty.dataset.empty = "";
    empty.textContent = "No messages yet. Messages are kept with the appointment.";
    els.chatLog.append(empty);
  }
  for (const message of messages) els.chatLog.append(chatItem(message));
  els.chatLog.scrollTop = els.chatLog.scrollHeight;
}

function appendChat(message) {
  if (els.chatLog.querySelector(`[data-message-id="${message.id}"]`)) return;
  els.chatLog.querySelector("[data-empty]")?.remove();
  els.chatLog.append(chatItem(message));
  els.chatLog.scrollTop = els.chatLog.scrollHeight;
}

// Captured on the document so it runs before the shared "disable the submit button" behaviour (hms.js),
// which leaves a prevented submit alone: the chat form stays usable for the next message.
document.addEventListener(
  "submit",
  (event) => {
    if (event.target !== els.chatForm) return;
    event.preventDefault();
    sendChat();
  },
  true,
);

function sendChat() {
  const body = els.chatInput.value.trim();
  if (!body) return;
  if (!ws || ws.readyState !== WebSocket.OPEN) {
    els.chatError.textContent = "Not connected right now; your message was not sent. Try again in a moment.";
    els.chatError.hidden = false;
    return;
  }
  els.chatError.hidden = true;
  send({ type: "chat", body });
  els.chatInput.value = "";
  els.chatInput.focus();
}

// --- start ---------------------------------------------------------------------------------------------

async function start() {
  setState("connecting");
  localStream = await getMedia();
  if (localStream) els.local.srcObject = localStream;
  updateMediaButtons();
  await connect();
}

// Tests and support staff can read the live connection (e.g. getStats) from the console.
window.hmsCall = {
  get peerConnection() {
    return pc;
  },
};

window.addEventListener("pagehide", () => {
  if (ws) ws.close(1000);
});

start();
