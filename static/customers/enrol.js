// Enrolment with the camera: live feedback per frame from the face engine, three good frames,
// then one enrol call. No frame is stored by the page; the server keeps only the template.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("enrol-config").textContent);
  const texts = JSON.parse(document.getElementById("feedback-texts").textContent);
  const video = document.getElementById("camera");
  const canvas = document.getElementById("snapshot");
  const feedback = document.getElementById("feedback");
  const shotList = document.getElementById("shots");
  const startButton = document.getElementById("start-camera");
  const shots = [];
  let timer = null;
  let busy = false;

  function say(code, fallback) {
    feedback.dataset.code = code;
    feedback.textContent = texts[code] || fallback || code;
    feedback.className = "feedback " + (code === "ok" || code === "enrolled" ? "is-ok" : "is-bad");
  }

  function grab() {
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": window.FacePay.csrfToken(), "Accept": "application/json" },
    });
    let data = {};
    try { data = await response.json(); } catch (error) { data = {}; }
    return { ok: response.ok, status: response.status, data: data };
  }

  async function enrol() {
    clearInterval(timer);
    say("enrolling");
    const form = new FormData();
    shots.forEach((blob, index) => form.append("images", blob, "frame" + (index + 1) + ".jpg"));
    const result = await post(config.enrolUrl, form);
    if (result.ok && result.data.is_enrolled) {
      say("enrolled");
      const status = document.getElementById("enrol-status");
      status.dataset.state = "enrolled";
      status.innerHTML = '<p><span class="badge badge-ok"></span></p>';
      status.querySelector(".badge").textContent = texts.enrolled;
      if (video.srcObject) { video.srcObject.getTracks().forEach((track) => track.stop()); }
      return;
    }
    const error = (result.data && result.data.error) || {};
    say(error.code || "error", error.message);
    shots.length = 0;
    shotList.innerHTML = "";
    timer = setInterval(tick, config.intervalMs);
  }

  async function tick() {
    if (busy || video.readyState < 2) { return; }
    busy = true;
    try {
      const blob = await grab();
      const form = new FormData();
      form.append("image", blob, "frame.jpg");
      const result = await post(config.checkUrl, form);
      if (!result.ok) {
        const error = (result.data && result.data.error) || {};
        say(error.code || "error", error.message);
        return;
      }
      const problem = result.data.probe_error;
      if (problem) { say(problem.code, problem.message); return; }
      shots.push(blob);
      const item = document.createElement("li");
      item.textContent = "✓";
      shotList.appendChild(item);
      say("ok");
      if (shots.length >= config.shots) { await enrol(); }
    } finally {
      busy = false;
    }
  }

  startButton.addEventListener("click", async function () {
    startButton.disabled = true;
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" }, audio: false,
      });
      say("looking");
      timer = setInterval(tick, config.intervalMs);
    } catch (error) {
      say("camera_unavailable");
      startButton.disabled = false;
    }
  });
})();
