/* On every page (base.html). The Content-Security-Policy allows no inline
   script, so what templates ask for is said with data attributes:
   - form[data-confirm]: ask the question before the form is sent;
   - form[data-busy]: once sent, the form is busy: its button shows the
     attribute's words ("Menyimpan…") beside a spinner, and a second tap
     sends nothing (the server refuses or ignores a second POST anyway). A
     script that sends the form itself (photos.js) ends the busy state with
     the event "busy:end" on the form; a page the Back button brings back
     from the browser's cache is ready again;
   - input[type=file][data-file-label]: the element with that id shows the
     chosen file's name, or its data-empty text;
   - [data-bs-toggle=collapse]: the button opens and closes its
     data-bs-target (the menu on a phone, the filter panel of /produk).
     Bootstrap's CSS hides a .collapse without .show; this is all the pages
     needed of Bootstrap's script, so that script is not sent. */
(function () {
  "use strict";

  var idle = new WeakMap(); // a busy form's button -> its own label

  function setBusy(form, submitter) {
    form.setAttribute("aria-busy", "true");
    var button = submitter || form.querySelector("[type=submit]");
    // Not before the form is sent: a disabled button sends no name and value.
    setTimeout(function () {
      if (form.getAttribute("aria-busy") !== "true") return;
      form.querySelectorAll("[type=submit]").forEach(function (each) {
        if (!each.disabled) {
          each.disabled = true;
          each.setAttribute("data-busy-disabled", "");
        }
      });
      if (!button) return;
      if (button.tagName === "INPUT") {
        idle.set(button, button.value);
        button.value = form.dataset.busy;
        return;
      }
      idle.set(button, Array.prototype.slice.call(button.childNodes));
      var spinner = document.createElement("span");
      spinner.className = "spinner-border spinner-border-sm me-2";
      spinner.setAttribute("aria-hidden", "true");
      button.replaceChildren(spinner, document.createTextNode(form.dataset.busy));
    }, 0);
  }

  function setIdle(form) {
    form.removeAttribute("aria-busy");
    form.querySelectorAll("[data-busy-disabled]").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("data-busy-disabled");
      if (!idle.has(button)) return;
      var label = idle.get(button);
      if (typeof label === "string") button.value = label;
      else button.replaceChildren.apply(button, label);
      idle.delete(button);
    });
  }

  // In the capture phase: before a form's own listener (photos.js) sees it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if (!form.hasAttribute("data-busy")) return;
    if (form.getAttribute("aria-busy") === "true") {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    setBusy(form, event.submitter);
  }, true);

  document.addEventListener("busy:end", function (event) { setIdle(event.target); });

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) document.querySelectorAll("form[aria-busy]").forEach(setIdle);
  });

  document.querySelectorAll("input[type=file][data-file-label]").forEach(function (input) {
    var said = document.getElementById(input.dataset.fileLabel);
    function tell() {
      var count = input.files.length;
      said.textContent = count === 0 ? said.dataset.empty
        : count === 1 ? input.files[0].name : count + " berkas dipilih";
    }
    input.addEventListener("change", tell);
    tell();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-bs-toggle=collapse]");
    if (!button) return;
    var panel = document.querySelector(button.getAttribute("data-bs-target"));
    if (!panel) return;
    var open = panel.classList.toggle("show");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
