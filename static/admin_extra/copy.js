// Copy buttons for the one-time secrets shown in the admin (a link or an API key).
// Served as a static file because the CSP forbids inline script. A button with
// data-copy-target="<input id>" copies that input's value; without clipboard access the text is
// selected so that Ctrl+C works.
"use strict";
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  event.preventDefault();
  const input = document.getElementById(button.dataset.copyTarget);
  if (!input) return;
  input.focus();
  input.select();
  const status = document.getElementById(button.dataset.copyTarget + "-status");
  const done = function (text) { if (status) status.textContent = text; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(
      function () { done("Copied."); },
      function () { done("Press Ctrl+C (⌘C) to copy."); }
    );
  } else {
    done(document.execCommand && document.execCommand("copy") ? "Copied." : "Press Ctrl+C (⌘C) to copy.");
  }
});
