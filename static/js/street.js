// Behaviour every page shares, kept out of the templates so the CSP can forbid inline script.
(function () {
  "use strict";
  // The language picker submits itself (a <noscript> button covers browsers without script).
  const language = document.getElementById("lang-select");
  if (language) {
    language.addEventListener("change", function () { language.form.submit(); });
  }
  // Forms with data-confirm ask before they are sent.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
