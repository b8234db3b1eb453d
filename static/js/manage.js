/* Listing management (/kelola): add and remove variant rows without a round
   trip (app.js asks before destructive buttons). Without JavaScript the same
   buttons submit the form and the server adds or removes the row. */
(function () {
  "use strict";

  var list = document.querySelector("[data-variant-list]");

  function rows() {
    return list ? list.querySelectorAll("[data-variant-row]") : [];
  }

  function refreshButtons() {
    var all = rows();
    all.forEach(function (row) {
      row.querySelector("[data-remove-variant]").hidden = all.length < 2;
    });
    var add = document.querySelector("[data-add-variant]");
    if (add) add.disabled = all.length >= Number(list.dataset.max || 20);
  }

  function renumber(row, from, to) {
    var pattern = new RegExp("variants-" + from + "-", "g");
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attribute) {
        var value = el.getAttribute(attribute);
        if (value) el.setAttribute(attribute, value.replace(pattern, "variants-" + to + "-"));
      });
    });
    row.dataset.index = String(to);
  }

  function addRow() {
    var all = rows();
    var last = all[all.length - 1];
    var next = 0;
    all.forEach(function (row) { next = Math.max(next, Number(row.dataset.index) + 1); });
    var row = last.cloneNode(true);
    renumber(row, last.dataset.index, next);
    row.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.classList.remove("is-invalid");
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    });
    row.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
    list.appendChild(row);
    refreshButtons();
    row.querySelector("input[type=text], input:not([type])").focus();
  }

  document.addEventListener("click", function (event) {
    if (!list) return;
    if (event.target.closest("[data-add-variant]")) {
      event.preventDefault();
      addRow();
    }
    var remove = event.target.closest("[data-remove-variant]");
    if (remove && rows().length > 1) {
      event.preventDefault();
      remove.closest("[data-variant-row]").remove();
      refreshButtons();
    }
  });

  if (list) refreshButtons();

  // Quick update: find a product in a long list.
  var filter = document.querySelector("[data-filter-products]");
  if (filter) {
    filter.hidden = false;
    filter.addEventListener("input", function () {
      var query = filter.value.trim().toLowerCase();
      document.querySelectorAll("[data-product-name]").forEach(function (section) {
        section.hidden = query !== "" && section.dataset.productName.indexOf(query) === -1;
      });
    });
  }

  // File pickers (see file_picker in _manage.html): the button-like label
  // shows the keyboard focus of its hidden input. app.js says what was chosen.
  document.querySelectorAll("[data-file-label]").forEach(function (input) {
    var button = document.querySelector("label[for='" + input.id + "']");
    input.addEventListener("focus", function () { button.classList.add("active"); });
    input.addEventListener("blur", function () { button.classList.remove("active"); });
  });
})();
