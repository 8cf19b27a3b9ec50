// Shared by every page's scripts (loaded by base.html before them).
window.FacePay = window.FacePay || {};

// Django's CSRF token from its cookie, for fetch() POSTs ("" when there is none).
window.FacePay.csrfToken = function () {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
};
