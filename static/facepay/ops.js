// Operations page: send a ping through Celery and show the reply that comes back on the socket.
(function () {
  "use strict";
  const button = document.getElementById("ping-button");
  const result = document.getElementById("ping-result");
  if (!button || !result) { return; }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/ops/`);
  socket.onmessage = (msg) => {
    const event = JSON.parse(msg.data);
    result.textContent = `${button.dataset.received} ${event.host}:${event.pid} (${event.nonce})`;
  };
  button.addEventListener("click", async () => {
    const nonce = Math.random().toString(36).slice(2);
    result.textContent = button.dataset.sending;
    await fetch(button.dataset.pingUrl, {
      method: "POST",
      headers: { "X-CSRFToken": window.FacePay.csrfToken() },
      body: new URLSearchParams({ nonce }),
    });
  });
})();
