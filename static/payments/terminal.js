// The counter screen: amount keypad, a camera burst under the liveness challenge, signed
// terminal calls, live status.
// The websocket is the source of truth for an attempt's status; a signed poll runs only while
// the socket is down (or the state could not be read). Timing marks (User Timing API):
// facepay:pay (button pressed), facepay:captured (the burst recorded), facepay:replied (the
// burst POST's answer), facepay:confirm (confirm shown).

import { credentialStore, randomHex, signedFetch } from "./signing.js";
import { bindKeyboard, focusOn } from "./terminal-keys.js";
import { amountAfterKey, amountMinorOf, formatMinor as formatAmount } from "./terminal-money.js";

const root = document.getElementById("terminal");
const text = JSON.parse(document.getElementById("terminal-messages").textContent);
const terminalPk = root.dataset.terminal;
const currency = root.dataset.currency;
const store = credentialStore(`facepay.terminal.${terminalPk}`);
const $ = (id) => document.getElementById(id);

const state = {
  amountText: "", digits: "", attempt: null, pendingKey: null, early: null, notice: "",
  poller: null, socketOpen: false, paired: false,
};

const call = (method, path, payload) => signedFetch(store.read(), method, path, payload);

// ---- screens -------------------------------------------------------------------------------
const screens = ["pairing", "screen-amount", "screen-code", "screen-camera", "screen-status"];
function show(id) {
  for (const screen of screens) $(screen).hidden = screen !== id;
  $("repair").hidden = id === "pairing";
}
const currentScreen = () => screens.find((screen) => !$(screen).hidden);

const amountMinor = () => amountMinorOf(state.amountText);
const formatMinor = (minor, code = currency) => formatAmount(minor, code);

function renderAmount() {
  const minor = amountMinor();
  $("amount").textContent = formatMinor(minor);
  $("pay-face").disabled = minor <= 0;
  $("pay-code").disabled = minor <= 0;
  if (currentScreen() === "screen-amount") focusOn(minor > 0 ? $("pay-face") : $("amount"));
}

function showAmountScreen() {
  show("screen-amount");
  renderAmount();
}

// After a sale the next customer starts at ¥0.00; after a decline, a cancel or an error the
// same amount is kept, so "Try again" is one press.
function restart() {
  stopPolling();
  if (state.attempt?.status === "captured") state.amountText = "";
  state.digits = "";
  state.notice = "";
  state.attempt = null;
  delete root.dataset.status; // the last payment's status must not colour the new one
  if (state.paired) showAmountScreen();
  else showPairing();
}

function setStatus(title, detail = "", amount = "") {
  $("status-title").textContent = title;
  $("status-detail").textContent = detail;
  $("status-amount").textContent = amount;
  $("status-amount").hidden = !amount;
}

const FINAL = ["captured", "declined", "cancelled", "expired"];
const RANK = { created: 0, recognising: 1, step_up_required: 2, awaiting_confirmation: 3 };
const rank = (status) => (status in RANK ? RANK[status] : 4);

function declineTitle(code) {
  if (text.titles[code]) return text.titles[code];
  return code?.startsWith("liveness_") ? text.titles.spoof_suspected : text.titles.default;
}

function render(attempt) {
  if (!state.attempt || attempt.id !== state.attempt.id) return;
  // A late push or poll answer must never move the screen backwards.
  if (rank(attempt.status) < rank(state.attempt.status)) return;
  if (FINAL.includes(state.attempt.status) && attempt.status !== state.attempt.status) return;
  if (attempt.step_up_failures !== state.attempt.step_up_failures) state.digits = "";
  state.attempt = attempt;
  show("screen-status");
  root.dataset.status = attempt.status;
  $("to-code").hidden = true;
  $("working").hidden = rank(attempt.status) > 1;
  $("step-up").hidden = attempt.status !== "step_up_required";
  // Confirm-free: the recognition job is capturing already, there is nothing to tap.
  $("confirm").hidden = attempt.status !== "awaiting_confirmation" || attempt.is_confirm_free;
  showRestart(FINAL.includes(attempt.status));
  const amount = formatMinor(attempt.amount_minor, attempt.currency);
  switch (attempt.status) {
    case "created":
    case "recognising":
      setStatus(text.recognising, "", amount);
      break;
    case "step_up_required":
      // The amount stays on screen with the question; a wrong-digits notice stays until the
      // next key press.
      setStatus(text.step_up_required, state.notice, amount);
      renderDigits();
      break;
    case "awaiting_confirmation":
      setStatus(
        (attempt.is_confirm_free ? text.confirm_free : text.confirm)
          .replace("%(name)s", attempt.customer_name)
          .replace("%(amount)s", amount),
      );
      if (!performance.getEntriesByName("facepay:confirm").length) performance.mark("facepay:confirm");
      break;
    case "captured":
      setStatus(text.captured, amount);
      break;
    case "declined":
      setStatus(declineTitle(attempt.decline_code), text.reasons[attempt.decline_code] || text.reasons.default, amount);
      break;
    default:
      setStatus(text[attempt.status] || attempt.status, "", amount);
  }
  if (FINAL.includes(attempt.status)) stopPolling();
  focusNextAction();
}

function showRestart(visible) {
  const captured = state.attempt?.status === "captured";
  $("restart").hidden = !visible;
  $("restart").textContent = captured ? text.new_payment : text.try_again;
}

function focusNextAction() {
  if (!$("step-up").hidden) focusOn(state.digits.length === 4 ? $("digits-send") : $("digits"));
  else if (!$("confirm").hidden) focusOn($("confirm-yes"));
  else if (!$("to-code").hidden) focusOn($("to-code"));
  else if (!$("restart").hidden) focusOn($("restart"));
  else focusOn($("status-title"));
}

// ---- live status: the websocket first, a signed poll only while it is down ----------------
function pending() {
  return Boolean(state.attempt?.id) && !FINAL.includes(state.attempt.status);
}

function receive(attempt) {
  // A push for the attempt whose POST has not answered yet is kept, not dropped: the reply
  // and the result often arrive in the same instant.
  if (state.pendingKey && attempt.idempotency_key === state.pendingKey) {
    if (!state.early || rank(attempt.status) >= rank(state.early.status)) state.early = attempt;
    return;
  }
  render(attempt);
}

function renderBadge() {
  const badge = $("link-state");
  const live = state.paired && state.socketOpen;
  badge.textContent = !state.paired ? text.not_paired : live ? text.online : text.offline;
  badge.className = live ? "badge badge-ok" : "badge badge-warn";
}

function connectSocket() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}${root.dataset.ws}`);
  socket.onopen = () => {
    state.socketOpen = true;
    stopPolling();
    renderBadge();
    // Pushes sent while the socket was down are lost: read the attempt's true state again.
    if (pending()) refresh();
  };
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (event.type === "payment.status") receive(event.attempt);
  };
  socket.onclose = () => {
    state.socketOpen = false;
    renderBadge();
    if (pending()) startPolling();
    setTimeout(connectSocket, 2000);
  };
}

async function refresh() {
  if (!state.attempt?.id) return false;
  const result = await call("GET", `${root.dataset.api}${state.attempt.id}/`).catch(() => null);
  if (!result) return false;
  if (result.ok) render(result.data);
  else if (unpairedBy(result)) return true;
  return result.ok;
}

function startPolling() {
  stopPolling();
  state.poller = setInterval(() => (pending() ? refresh() : stopPolling()), 1000);
}

function stopPolling() {
  clearInterval(state.poller);
  state.poller = null;
}

// ---- pairing: verified by a signed call before the screen says it is connected ------------
const PAIRING_REFUSALS = ["signature_invalid", "terminal_unknown", "terminal_revoked", "terminal_other"];

function showPairing(code = "") {
  state.paired = false;
  show("pairing");
  $("pair-error").textContent = code ? text.pairing[code] || text.pairing.default : "";
  $("pair-error").hidden = !code;
  $("pair-key").value ||= store.read()?.key_id || "";
  renderBadge();
  focusOn($("pair-key").value ? $("pair-secret") : $("pair-key"));
}

async function verifyPairing(creds) {
  let result;
  try {
    result = await signedFetch(creds, "GET", root.dataset.me);
  } catch {
    return "unreachable";
  }
  if (result.status >= 500) return "unreachable";
  if (!result.ok) return result.data?.error?.code || "default";
  return String(result.data?.terminal?.id) === terminalPk ? "" : "terminal_other";
}

// `known`: credentials this screen verified before (a reload); an unreachable server then
// does not unpair it, whereas a refusal of the signature always does.
async function pair(creds, known = false) {
  $("link-state").textContent = text.checking;
  const refusal = await verifyPairing(creds);
  if (refusal && !(known && refusal === "unreachable")) {
    store.forget();
    showPairing(refusal);
    return;
  }
  store.save(creds);
  state.paired = true;
  renderBadge();
  restart();
}

function unpairedBy(result) {
  // The secret was rotated or mistyped, or the terminal revoked: say so and offer pairing.
  const code = result.data?.error?.code;
  if (!PAIRING_REFUSALS.includes(code)) return false;
  stopPolling();
  store.forget();
  state.attempt = null;
  showPairing(code);
  return true;
}

const OUTAGES = ["recognition_unavailable", "service_unavailable"];

function showError(result) {
  if (unpairedBy(result)) return;
  show("screen-status");
  const code = result.data?.error?.code || "default";
  const reason = text.reasons[code] || text.pairing[code] || text.reasons.default;
  // An outage is not a refusal: say so plainly and offer the payment code, which needs no worker.
  setStatus(OUTAGES.includes(code) ? text.unavailable : declineTitle(code), reason, formatMinor(amountMinor()));
  $("working").hidden = true;
  $("to-code").hidden = !OUTAGES.includes(code);
  $("step-up").hidden = true;
  $("confirm").hidden = true;
  showRestart(true);
  focusNextAction();
}

function showUnknown() {
  // The answer was lost or refused and the state could not be read: never guess "Declined".
  show("screen-status");
  setStatus(text.unknown, text.unknown_detail);
  $("step-up").hidden = true;
  $("confirm").hidden = true;
  $("restart").hidden = true;
  startPolling();
  focusNextAction();
}

// Send an attempt's call; pushes for its idempotency key that beat the reply are kept and
// applied once the reply is here (a flow of several calls sets state.pendingKey at its first).
async function submit(path, payload, key = payload.idempotency_key) {
  if (state.pendingKey !== key) state.early = null;
  state.pendingKey = key;
  const result = await call("POST", path, payload).catch(() => ({ ok: false, data: null }));
  state.pendingKey = null;
  performance.mark("facepay:replied");
  if (!result.ok) return showError(result);
  state.attempt = { ...result.data, status: "created" };
  render(result.data);
  if (state.early) render(state.early);
  state.early = null;
  if (pending() && !state.socketOpen) startPolling();
}

async function payWithFace() {
  if (amountMinor() <= 0) return;
  for (const name of ["pay", "captured", "replied", "confirm"]) performance.clearMarks(`facepay:${name}`);
  performance.mark("facepay:pay");
  show("screen-camera");
  focusOn($("camera-line"));
  $("challenge").textContent = text.challenge_wait;
  const progress = window.FacePayBurst.ring($("burst-ring"));
  progress?.(0);
  // One idempotency key for the whole flow: pushes for it that beat a reply are kept.
  const key = randomHex(12);
  state.pendingKey = key;
  state.early = null;
  state.attempt = { id: null };
  const payload = { amount_minor: amountMinor(), currency, idempotency_key: key };
  const created = await call("POST", root.dataset.api, payload).catch(() => ({ ok: false, data: null }));
  if (!created.ok) {
    state.pendingKey = null;
    return showError(created);
  }
  // The camera opens once the challenge is on screen: the person reacts to the instruction,
  // so the recording starts a steady camera start-up after it, whatever the server's delay.
  $("challenge").textContent = text.challenges[created.data.liveness_challenge] || text.challenge_wait;
  const camera = await window.FacePayBurst.open($("camera")).then(() => true, () => false);
  if (!camera) {
    window.FacePayBurst.stop($("camera"));
    state.pendingKey = null;
    return showError({ data: { error: { code: "camera_error" } } });
  }
  let burst;
  try {
    burst = await window.FacePayBurst.record($("camera"), { onProgress: progress });
  } catch {
    state.pendingKey = null;
    return showError({ data: { error: { code: "camera_error" } } });
  } finally {
    window.FacePayBurst.stop($("camera"));
  }
  performance.mark("facepay:captured");
  state.early = null; // only the created attempt can have been pushed while recording
  showRecognising();
  await submit(`${root.dataset.api}${created.data.id}/burst/`, burst, key);
}

function showRecognising() {
  const amount = amountMinor();
  state.attempt = { id: null, status: "created", amount_minor: amount, currency };
  setStatus(text.recognising, "", formatMinor(amount));
  $("working").hidden = false;
  $("step-up").hidden = $("confirm").hidden = $("restart").hidden = $("to-code").hidden = true;
  show("screen-status");
  focusOn($("status-title"));
}

async function payWithCode(event) {
  event.preventDefault();
  const payload = {
    amount_minor: amountMinor(), currency, idempotency_key: randomHex(12),
    payment_code: $("code-value").value.trim(), phone: $("code-phone").value.trim(),
    pin: $("code-pin").value,
  };
  $("code-pin").value = "";
  state.attempt = null;
  await submit(root.dataset.codeApi, payload);
}

async function act(action, payload) {
  const path = `${root.dataset.api}${state.attempt.id}/${action}/`;
  const result = await call("POST", path, payload).catch(() => ({ ok: false, data: null }));
  if (result.ok) return render(result.data);
  if (unpairedBy(result)) return;
  if (result.data?.error?.code === "step_up_wrong") {
    const left = result.data.error.extra.attempts_left;
    state.digits = "";
    if (left > 0) {
      state.notice = text.step_up_wrong.replace("%(left)s", left);
      $("status-detail").textContent = state.notice;
      renderDigits();
      return focusNextAction();
    }
    return render({ ...state.attempt, status: "declined", decline_code: "step_up_failed" });
  }
  // A refusal of a confirm or cancel (409: already captured, declined, expired…) says the
  // attempt moved on: show what it is now, read from the server, never the refusal's guess.
  if (!(await refresh())) showUnknown();
}

function renderDigits() {
  $("digits").textContent = (state.digits + "____").slice(0, 4);
  $("digits-send").disabled = state.digits.length !== 4;
}

// ---- input: touch keypads and the physical keyboard ---------------------------------------
function pressAmountKey(key) {
  const next = amountAfterKey(state.amountText, key);
  if (next === null) return false;
  state.amountText = next;
  renderAmount();
  return true;
}

function pressDigitKey(key) {
  if ($("step-up").hidden) return false;
  if (key === "back") state.digits = state.digits.slice(0, -1);
  else if (key === "clear") state.digits = "";
  else if (!/^[0-9]$/.test(key)) return false;
  else if (state.digits.length < 4) state.digits += key;
  if (state.notice) {
    state.notice = ""; // the wrong-digits notice stays until the next key press
    $("status-detail").textContent = "";
  }
  renderDigits();
  focusOn(state.digits.length === 4 ? $("digits-send") : $("digits"));
  return true;
}

function sendDigits() {
  if (state.digits.length === 4) act("step-up", { phone_last4: state.digits });
}

bindKeyboard(currentScreen, {
  "screen-amount": { key: pressAmountKey, enter: payWithFace },
  "screen-status": { key: pressDigitKey, enter: sendDigits },
});
const keyOf = (event) => event.target.closest("button")?.dataset.key;
$("keypad").addEventListener("click", (event) => keyOf(event) && pressAmountKey(keyOf(event)));
$("digit-pad").addEventListener("click", (event) => keyOf(event) && pressDigitKey(keyOf(event)));
$("digits-send").addEventListener("click", sendDigits);
$("confirm-yes").addEventListener("click", () => act("confirm"));
$("confirm-no").addEventListener("click", () => act("cancel"));
$("pay-face").addEventListener("click", payWithFace);
const showCode = () => {
  show("screen-code");
  focusOn($("code-value"));
};
$("pay-code").addEventListener("click", showCode);
$("to-code").addEventListener("click", showCode);
$("code-form").addEventListener("submit", payWithCode);
for (const button of root.querySelectorAll("[data-action=restart]")) button.addEventListener("click", restart);
$("repair").addEventListener("click", () => showPairing());
$("pair-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const creds = { key_id: $("pair-key").value.trim(), secret: $("pair-secret").value.trim() };
  $("pair-secret").value = "";
  pair(creds);
});
$("pair-new")?.addEventListener("click", async () => {
  const response = await fetch(root.dataset.pair, { method: "POST", headers: { "X-CSRFToken": window.FacePay.csrfToken() } });
  if (!response.ok) return showPairing("default");
  pair(await response.json());
});

connectSocket();
if (store.read()) pair(store.read(), true);
else showPairing();
