// casebook: the pages work without JavaScript; this only helps htmx requests along.
// The CSRF token travels in a <meta> tag, never in an inline script (CSP: script-src 'self').
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
  }
});
