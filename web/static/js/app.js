// Rampart progressive enhancements. Every page works without this file;
// it only adds conveniences where JavaScript runs:
//
//   <form data-confirm="Revoke this key?">  asks before submitting.
//   <button type="button" data-copy="#id" hidden>Copy</button>
//                                           copies the text of #id, line by
//                                           line for a list (shown only when
//                                           the clipboard is available).
//   Any form: a second submit while the first is in flight is ignored, and
//   the clicked button shows Pico's busy spinner.
//   Every password field: a Show/Hide button.
//
// Loaded with defer from an external file, so it runs under a strict CSP.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.dataset.submitting === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "true";
    var button = event.submitter;
    if (button && button.tagName === "BUTTON") {
      button.setAttribute("aria-busy", "true");
    }
    // If the navigation is cancelled (Esc, a dropped connection), unlock.
    window.setTimeout(function () { unlock(form); }, 10000);
  });

  function unlock(form) {
    delete form.dataset.submitting;
    form.querySelectorAll("button[aria-busy]").forEach(function (button) {
      button.removeAttribute("aria-busy");
    });
  }

  // A page restored from the back/forward cache must accept submits again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) document.querySelectorAll("form[data-submitting]").forEach(unlock);
  });

  // Password fields get a Show/Hide button: paste is never blocked, and a
  // person can check what they typed. The field is a password field again
  // before its form is sent, so browsers save and fill it as one.
  document.querySelectorAll('input[type="password"]').forEach(function (input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "password-toggle secondary outline";
    button.textContent = "Show";
    button.setAttribute("aria-pressed", "false");
    if (input.id) button.setAttribute("aria-controls", input.id);
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      button.textContent = show ? "Hide" : "Show";
      button.setAttribute("aria-pressed", String(show));
      input.focus();
    });
    input.insertAdjacentElement("afterend", button);
    if (input.form) {
      input.form.addEventListener("submit", function () { input.type = "password"; });
    }
  });

  if (!navigator.clipboard) return;
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      var isField = source instanceof HTMLInputElement || source instanceof HTMLTextAreaElement;
      var text = isField ? source.value : source.innerText;
      navigator.clipboard.writeText(text.trim()).then(function () {
        button.textContent = "Copied";
        window.setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
