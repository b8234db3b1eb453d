/* On every page (base.html). The Content-Security-Policy allows no inline
   script, so what templates ask for is said with data attributes:
   - form[data-confirm]: ask the question before the form is sent;
   - button[data-once]: disabled once its form is sent, so a second tap
     cannot send it twice (checkout);
   - input[type=file][data-file-label]: the element with that id shows the
     chosen file's name, or its data-empty text. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var button = event.submitter;
    if (button && button.hasAttribute("data-once")) {
      // Not before the form is sent: a disabled button sends no name and value.
      setTimeout(function () { button.disabled = true; }, 0);
    }
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
})();
