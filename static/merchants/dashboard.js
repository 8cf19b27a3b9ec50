// Live "today so far": joins the dashboard socket and refreshes the figures on each capture.
(function () {
  "use strict";
  const section = document.getElementById("today");
  if (!section || !("WebSocket" in window)) return;
  const badge = document.getElementById("live-badge");
  const feed = document.getElementById("live-feed");
  const stale = document.getElementById("period-stale"); // only when the period includes today
  const currency = section.dataset.currency || "CNY";
  const lang = document.documentElement.lang || "zh-hans";
  const money = new Intl.NumberFormat(lang, { style: "currency", currency: currency, currencyDisplay: "narrowSymbol" });

  function show(minor) { return money.format(minor / 100); }

  function render(message) {
    const today = message.today || {};
    section.querySelectorAll("[data-figure]").forEach(function (node) {
      const value = today[node.dataset.figure];
      if (value === undefined) return;
      node.textContent = node.hasAttribute("data-money") ? show(value) : String(value);
    });
    const attempt = message.attempt || {};
    if (attempt.amount_minor !== undefined) {
      const item = document.createElement("li");
      const when = attempt.captured_at ? new Date(attempt.captured_at) : new Date();
      item.textContent = when.toLocaleTimeString(lang) + " · " + show(attempt.amount_minor);
      item.dataset.paymentId = attempt.public_id || attempt.id || "";
      const placeholder = feed.querySelector(".muted");
      if (placeholder) placeholder.remove();
      feed.prepend(item);
      while (feed.children.length > 10) feed.lastElementChild.remove();
      if (stale) stale.hidden = false; // the period figures below are as of page load
    }
  }

  let delay = 1000;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + section.dataset.wsPath);
    socket.onopen = function () { badge.textContent = badge.dataset.live || "live"; badge.classList.add("badge-ok"); delay = 1000; };
    socket.onmessage = function (event) { render(JSON.parse(event.data)); };
    socket.onclose = function (event) {
      badge.classList.remove("badge-ok");
      badge.textContent = badge.dataset.offline || "offline";
      if (event.code === 4403) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
