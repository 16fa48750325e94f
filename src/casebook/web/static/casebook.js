// casebook: the pages work without JavaScript; this only helps htmx requests along.
// The CSRF token travels in a <meta> tag, never in an inline script (CSP: script-src 'self').
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
  }
});

// The upload's progress, as htmx reports it; the server then ingests each file in turn
// (the "working…" indicator) and lists every file's outcome.
document.addEventListener("htmx:xhr:progress", function (event) {
  var bar = document.getElementById("upload-progress");
  if (bar && event.detail.lengthComputable && event.detail.total > 0) {
    var done = Math.round((100 * event.detail.loaded) / event.detail.total);
    bar.value = done;
    bar.textContent = done + "%";
  }
});
