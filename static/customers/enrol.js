// Enrolment with the camera (issue 12): the same burst as the counter. The server draws a
// liveness challenge for this enrolment; the page shows it in the reader's language, records
// about 1.5 s of frames (static/payments/burst.js) with a progress ring, and posts them with the
// challenge's id. The server enrols only when the burst is live; no frame is stored anywhere.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("enrol-config").textContent);
  const texts = JSON.parse(document.getElementById("feedback-texts").textContent);
  const video = document.getElementById("camera");
  const feedback = document.getElementById("feedback");
  const challenge = document.getElementById("challenge");
  const startButton = document.getElementById("start-camera");
  const card = document.getElementById("camera-card");

  function say(code, fallback) {
    feedback.dataset.code = code;
    feedback.textContent = texts[code] || fallback || texts.error;
    feedback.className = "feedback " + (code === "enrolled" ? "is-ok" : code === "recording" || code === "enrolling" ? "" : "is-bad");
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", body: body === null ? null : JSON.stringify(body), credentials: "same-origin",
      headers: { "X-CSRFToken": window.FacePay.csrfToken(), "Accept": "application/json", "Content-Type": "application/json" },
    });
    let data = {};
    try { data = await response.json(); } catch (error) { data = {}; }
    return { ok: response.ok, status: response.status, data: data };
  }

  function refused(result) {
    const error = (result.data && result.data.error) || {};
    const code = result.status === 429 ? "rate_limited" : error.code || "error";
    say(code, error.message);
    card.dataset.state = "refused";
    startButton.disabled = false;
  }

  async function start() {
    startButton.disabled = true;
    card.dataset.state = "recording";
    feedback.dataset.code = "";
    challenge.textContent = texts.challenge_wait;
    const progress = window.FacePayBurst.ring(document.getElementById("burst-ring"));
    if (progress) { progress(0); }
    const camera = window.FacePayBurst.open(video).then(() => true, () => false);
    const drawn = await post(config.challengeUrl, null).catch(() => ({ ok: false, status: 0, data: {} }));
    if (!(await camera)) {
      window.FacePayBurst.stop(video);
      challenge.textContent = "";
      say("camera_unavailable");
      card.dataset.state = "refused";
      startButton.disabled = false;
      return;
    }
    if (!drawn.ok) { window.FacePayBurst.stop(video); challenge.textContent = ""; return refused(drawn); }
    challenge.dataset.challenge = drawn.data.challenge;
    challenge.textContent = drawn.data.instruction;
    say("recording");
    let burst;
    try {
      burst = await window.FacePayBurst.record(video, { onProgress: progress });
    } catch (error) {
      say("camera_unavailable");
      card.dataset.state = "refused";
      startButton.disabled = false;
      return;
    } finally {
      window.FacePayBurst.stop(video);
    }
    challenge.textContent = "";
    say("enrolling");
    const result = await post(config.enrolUrl, {
      challenge_id: drawn.data.id, frames: burst.frames, timestamps_ms: burst.timestamps_ms,
    }).catch(() => ({ ok: false, status: 0, data: {} }));
    if (result.ok && result.data.is_enrolled) {
      say("enrolled");
      card.dataset.state = "enrolled";
      const status = document.getElementById("enrol-status");
      status.dataset.state = "enrolled";
      status.innerHTML = '<p><span class="badge badge-ok"></span></p>';
      status.querySelector(".badge").textContent = texts.enrolled;
      return;
    }
    refused(result);
  }

  startButton.addEventListener("click", start);
})();
