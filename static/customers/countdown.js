// Counts the one-time payment code down to its expiry and greys it out afterwards; once the
// counter has used the code (or a newer one replaced it) the countdown stops and says so.
(function () {
  "use strict";
  const box = document.getElementById("payment-code");
  const label = document.getElementById("code-countdown");
  const expires = Date.parse(box.dataset.expires);
  let finished = false;
  function finish(state) {
    finished = true;
    clearInterval(timer);
    clearInterval(checker);
    box.classList.add(state);
    document.getElementById("code-validity").hidden = true;
    label.textContent = box.dataset[state];
  }
  function update() {
    if (finished) return;
    const left = Math.max(0, Math.round((expires - Date.now()) / 1000));
    label.textContent = left + " s";
    if (left === 0) finish("expired");
  }
  async function check() {
    if (finished) return;
    try {
      const response = await fetch(box.dataset.stateUrl, { credentials: "same-origin" });
      if (!response.ok) return;
      const { state } = await response.json();
      if (!finished && (state === "used" || state === "expired")) finish(state);
    } catch {
      // offline for a moment: the countdown goes on, the next check asks again
    }
  }
  const timer = setInterval(update, 1000);
  const checker = setInterval(check, 2000);
  update();
})();
