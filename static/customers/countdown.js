// Counts the one-time payment code down to its expiry and greys it out afterwards.
(function () {
  "use strict";
  const box = document.getElementById("payment-code");
  const label = document.getElementById("code-countdown");
  const expires = Date.parse(box.dataset.expires);
  function update() {
    const left = Math.max(0, Math.round((expires - Date.now()) / 1000));
    label.textContent = left + " s";
    if (left === 0) { box.classList.add("expired"); clearInterval(timer); }
  }
  const timer = setInterval(update, 1000);
  update();
})();
