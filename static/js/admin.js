// The admin's small enhancements, from a static file (no inline script or on* handlers, so a
// Content-Security-Policy of script-src 'self' holds). Every page works without them.
(function () {
  "use strict";

  // <form data-confirm="Question?">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // Policy editors: as tall as the document, and a JSON check right under the field while
  // typing (the IAM engine's checks run on save and are shown next to the field).
  var MIN_ROWS = 8, MAX_ROWS = 40;
  function fit(editor) {
    var lines = editor.value.split("\n").length + 1;
    editor.rows = Math.max(MIN_ROWS, Math.min(MAX_ROWS, lines));
  }
  function check(editor) {
    var status = document.getElementById(editor.id + "_status");
    if (!status) return;
    var text = editor.value.trim();
    status.classList.remove("valid", "invalid");
    editor.removeAttribute("aria-invalid");
    if (!text) { status.textContent = ""; return; }
    try {
      JSON.parse(text);
      status.textContent = "Well-formed JSON. IAM's rules are checked when you save.";
      status.classList.add("valid");
    } catch (error) {
      status.textContent = "Not valid JSON: " + error.message;
      status.classList.add("invalid");
      editor.setAttribute("aria-invalid", "true");
    }
  }
  function setUp(editor) {
    if (editor.dataset.ready) return;
    editor.dataset.ready = "1";
    fit(editor);
    editor.addEventListener("input", function () { fit(editor); check(editor); });
  }
  function setUpAll() {
    Array.prototype.forEach.call(document.querySelectorAll("textarea.policy-editor"), setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpAll);
  else setUpAll();
  // "Add another inline policy" adds editors later.
  document.addEventListener("formset:added", setUpAll);

  // Django's two-list selector (SelectFilter2.js, run on load) labels its search icon with
  // aria-label on a plain <span>, which has no role to label: call it the image it is.
  window.addEventListener("load", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".help-tooltip[aria-label]:not([role])"), function (icon) {
      icon.setAttribute("role", "img");
    });
  });
})();
