// The counter screen: amount keypad, camera frames, signed terminal calls, live status.
// Requests are signed exactly like merchants/signing.py:
//   hex HMAC-SHA256(secret, "METHOD\nPATH\nTIMESTAMP\nNONCE\nSHA256HEX(body)").

const root = document.getElementById("terminal");
const text = JSON.parse(document.getElementById("terminal-messages").textContent);
const terminalPk = root.dataset.terminal;
const currency = root.dataset.currency;
const storageKey = `facepay.terminal.${terminalPk}`;
const encoder = new TextEncoder();
const $ = (id) => document.getElementById(id);

const state = { amountText: "", digits: "", attempt: null, socket: null, poller: null };

// ---- signing -------------------------------------------------------------------------------
function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

function credentials() {
  try {
    return JSON.parse(localStorage.getItem(storageKey) || "null");
  } catch {
    return null;
  }
}

async function signedFetch(method, path, payload) {
  const creds = credentials();
  if (!creds) throw new Error("not paired");
  const body = payload === undefined ? "" : JSON.stringify(payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = hex(crypto.getRandomValues(new Uint8Array(16)));
  const bodyHash = hex(await crypto.subtle.digest("SHA-256", encoder.encode(body)));
  const key = await crypto.subtle.importKey(
    "raw", encoder.encode(creds.secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"],
  );
  const message = [method, path, timestamp, nonce, bodyHash].join("\n");
  const signature = hex(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  const headers = {
    "X-Terminal-Id": creds.key_id, "X-Timestamp": timestamp, "X-Nonce": nonce,
    "X-Signature": signature,
  };
  if (body) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body || undefined, credentials: "omit" });
  const data = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, data };
}

// ---- screens -------------------------------------------------------------------------------
const screens = ["pairing", "screen-amount", "screen-code", "screen-camera", "screen-status"];
function show(id) {
  for (const screen of screens) $(screen).hidden = screen !== id;
}

function amountMinor() {
  if (!/^\d+(\.\d{0,2})?$/.test(state.amountText)) return 0;
  const [units, fraction = ""] = state.amountText.split(".");
  return Number(units) * 100 + Number((fraction + "00").slice(0, 2));
}

function formatMinor(minor, code = currency) {
  const symbol = { CNY: "¥", HKD: "HK$", USD: "$", EUR: "€", JPY: "¥" }[code] || `${code} `;
  return `${symbol}${Math.floor(minor / 100).toLocaleString("en")}.${String(minor % 100).padStart(2, "0")}`;
}

function renderAmount() {
  const minor = amountMinor();
  $("amount").textContent = formatMinor(minor);
  $("pay-face").disabled = minor <= 0;
  $("pay-code").disabled = minor <= 0;
}

function restart() {
  stopPolling();
  state.amountText = "";
  state.digits = "";
  state.attempt = null;
  delete root.dataset.status; // the last payment's status must not colour the new one
  renderAmount();
  show(credentials() ? "screen-amount" : "pairing");
}

function setStatus(title, detail = "") {
  $("status-title").textContent = title;
  $("status-detail").textContent = detail;
}

const ORDER = ["created", "recognising", "step_up_required", "awaiting_confirmation"];
function isOlder(incoming, current) {
  // A late push or poll answer must never move the screen backwards.
  return ORDER.includes(incoming.status) && ORDER.indexOf(incoming.status) < ORDER.indexOf(current.status);
}

function render(attempt) {
  if (!state.attempt || attempt.id !== state.attempt.id) return;
  if (isOlder(attempt, state.attempt) && attempt.step_up_failures === state.attempt.step_up_failures) return;
  state.attempt = attempt;
  show("screen-status");
  root.dataset.status = attempt.status;
  $("to-code").hidden = true;
  $("step-up").hidden = attempt.status !== "step_up_required";
  // Confirm-free: the recognition job is capturing already, there is nothing to tap.
  $("confirm").hidden = attempt.status !== "awaiting_confirmation" || attempt.is_confirm_free;
  $("restart").hidden = !["captured", "declined", "cancelled", "expired"].includes(attempt.status);
  const amount = formatMinor(attempt.amount_minor, attempt.currency);
  switch (attempt.status) {
    case "created":
    case "recognising":
      setStatus(text.recognising, amount);
      break;
    case "step_up_required":
      // The amount is shown with the question, whoever the candidates are (issue 13).
      setStatus(text.step_up_required, amount);
      break;
    case "awaiting_confirmation":
      setStatus(
        (attempt.is_confirm_free ? text.confirm_free : text.confirm)
          .replace("%(name)s", attempt.customer_name)
          .replace("%(amount)s", amount),
      );
      break;
    case "captured":
      setStatus(text.captured, amount);
      stopPolling();
      break;
    case "declined":
      setStatus(text.declined, text.reasons[attempt.decline_code] || text.reasons.default);
      stopPolling();
      break;
    default:
      setStatus(text[attempt.status] || attempt.status);
      stopPolling();
  }
}

// ---- live status: websocket, with a slow signed poll as a safety net ----------------------
function connectSocket() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}${root.dataset.ws}`);
  state.socket = socket;
  socket.onopen = () => {
    $("link-state").textContent = text.online;
    $("link-state").className = "badge badge-ok";
    // Pushes sent while the socket was down are lost: read the attempt's true state again.
    refresh();
  };
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (event.type === "payment.status") render(event.attempt);
  };
  socket.onclose = () => {
    $("link-state").textContent = text.offline;
    $("link-state").className = "badge badge-warn";
    setTimeout(connectSocket, 2000);
  };
}

async function refresh() {
  if (!state.attempt?.id) return false;
  let result;
  try {
    result = await signedFetch("GET", `${root.dataset.api}${state.attempt.id}/`);
  } catch {
    return false;
  }
  if (result.ok) render(result.data);
  return result.ok;
}

function startPolling() {
  stopPolling();
  state.poller = setInterval(async () => {
    if (!state.attempt) return;
    const result = await signedFetch("GET", `${root.dataset.api}${state.attempt.id}/`);
    if (result.ok) render(result.data);
  }, 2000);
}

function stopPolling() {
  if (state.poller) clearInterval(state.poller);
  state.poller = null;
}

const OUTAGES = ["recognition_unavailable", "service_unavailable"];

function showError(result) {
  show("screen-status");
  const code = result.data?.error?.code || "default";
  const reason = text.reasons[code] || result.data?.error?.message || text.reasons.default;
  // An outage is not a refusal: say so plainly and offer the payment code, which needs no worker.
  setStatus(OUTAGES.includes(code) ? text.unavailable : text.declined, reason);
  $("to-code").hidden = !OUTAGES.includes(code);
  $("step-up").hidden = true;
  $("confirm").hidden = true;
  $("restart").hidden = false;
}

function showUnknown() {
  // The answer was lost or refused and the state could not be read: never guess "Declined".
  show("screen-status");
  setStatus(text.unknown, text.unknown_detail);
  $("step-up").hidden = true;
  $("confirm").hidden = true;
  $("restart").hidden = true;
  startPolling();
}

// ---- camera: a burst under the attempt's challenge (static/payments/burst.js) ---------------
function newKey() {
  return hex(crypto.getRandomValues(new Uint8Array(12)));
}

async function payWithFace() {
  show("screen-camera");
  $("challenge").textContent = text.challenge_wait;
  const progress = window.FacePayBurst.ring($("burst-ring"));
  progress?.(0);
  const camera = window.FacePayBurst.open($("camera")).then(() => true, () => false);
  state.attempt = { id: null };
  const created = await signedFetch("POST", root.dataset.api, { amount_minor: amountMinor(), currency, idempotency_key: newKey() });
  if (!(await camera) || !created.ok) {
    window.FacePayBurst.stop($("camera"));
    return showError(created.ok ? { data: { error: { code: "camera_error" } } } : created);
  }
  $("challenge").textContent = text.challenges[created.data.liveness_challenge] || text.challenge_wait;
  let burst;
  try {
    burst = await window.FacePayBurst.record($("camera"), { durationMs: 2000, frames: 15, onProgress: progress });
  } catch {
    return showError({ data: { error: { code: "camera_error" } } });
  } finally {
    window.FacePayBurst.stop($("camera"));
  }
  setStatus(text.recognising);
  show("screen-status");
  const result = await signedFetch("POST", `${root.dataset.api}${created.data.id}/burst/`, burst);
  if (!result.ok) return showError(result);
  state.attempt = { ...result.data, status: "created" };
  render(result.data);
  startPolling();
}

async function payWithCode(event) {
  event.preventDefault();
  const payload = {
    amount_minor: amountMinor(), currency, idempotency_key: newKey(),
    payment_code: $("code-value").value.trim(), phone: $("code-phone").value.trim(),
    pin: $("code-pin").value,
  };
  $("code-pin").value = "";
  const result = await signedFetch("POST", root.dataset.codeApi, payload);
  if (!result.ok) return showError(result);
  state.attempt = { ...result.data, status: "created" };
  render(result.data);
}

async function act(action, payload) {
  let result;
  try {
    result = await signedFetch("POST", `${root.dataset.api}${state.attempt.id}/${action}/`, payload);
  } catch {
    result = { ok: false, data: null };
  }
  if (result.ok) return render(result.data);
  if (result.data?.error?.code === "step_up_wrong") {
    const left = result.data.error.extra.attempts_left;
    state.digits = "";
    renderDigits();
    if (left > 0) return setStatus(text.step_up_required, text.step_up_wrong.replace("%(left)s", left));
    state.attempt.status = "declined";
    state.attempt.decline_code = "step_up_failed";
    return render({ ...state.attempt });
  }
  // A refusal of a confirm or cancel (409: already captured, declined, expired…) says the
  // attempt moved on: show what it is now, read from the server, never the refusal's guess.
  if (!(await refresh())) showUnknown();
}

function renderDigits() {
  $("digits").textContent = (state.digits + "____").slice(0, 4);
  $("digits-send").disabled = state.digits.length !== 4;
}

// ---- wiring --------------------------------------------------------------------------------
$("keypad").addEventListener("click", (event) => {
  const key = event.target.closest("button")?.dataset.key;
  if (!key) return;
  if (key === "back") state.amountText = state.amountText.slice(0, -1);
  else if (key === "." && state.amountText.includes(".")) return;
  else if (/\.\d\d$/.test(state.amountText) || state.amountText.length >= 9) return;
  else state.amountText = (state.amountText === "0" && key !== "." ? "" : state.amountText) + key;
  renderAmount();
});
$("digit-pad").addEventListener("click", (event) => {
  const key = event.target.closest("button")?.dataset.key;
  if (!key) return;
  if (key === "back") state.digits = state.digits.slice(0, -1);
  else if (key === "clear") state.digits = "";
  else if (state.digits.length < 4) state.digits += key;
  renderDigits();
});
$("digits-send").addEventListener("click", () => act("step-up", { phone_last4: state.digits }));
$("confirm-yes").addEventListener("click", () => act("confirm"));
$("confirm-no").addEventListener("click", () => act("cancel"));
$("pay-face").addEventListener("click", payWithFace);
$("pay-code").addEventListener("click", () => show("screen-code"));
$("to-code").addEventListener("click", () => show("screen-code"));
$("code-form").addEventListener("submit", payWithCode);
for (const button of root.querySelectorAll("[data-action=restart]")) button.addEventListener("click", restart);
$("pair-form").addEventListener("submit", (event) => {
  event.preventDefault();
  localStorage.setItem(storageKey, JSON.stringify({ key_id: $("pair-key").value.trim(), secret: $("pair-secret").value.trim() }));
  $("pair-secret").value = "";
  restart();
});
$("pair-new")?.addEventListener("click", async () => {
  const response = await fetch(root.dataset.pair, { method: "POST", headers: { "X-CSRFToken": window.FacePay.csrfToken() } });
  if (!response.ok) return;
  localStorage.setItem(storageKey, JSON.stringify(await response.json()));
  restart();
});

connectSocket();
restart();
