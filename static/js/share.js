/* The "Bagikan" block of product and shop pages (templates/catalog/_share.html).
   Without this script the block is a wa.me link and the page's address.
   With it: where the phone has a share sheet (navigator.share), "Bagikan"
   opens it with the page's title, message and address; elsewhere it stays
   the wa.me link. "Salin tautan" copies the address (the Clipboard API, or
   selecting the field and the older copy command where that is missing,
   as on pages served over plain http) and says so in the status line,
   which screen readers read out (aria-live). */
(function () {
  "use strict";

  var COPIED = "Tautan disalin";
  var NOT_COPIED = "Tautan belum tersalin: tekan lama tautan di atas lalu pilih Salin.";

  function say(block, words) {
    var status = block.querySelector(".share-status");
    status.textContent = "";
    // A fresh text node, so the same words said twice are read out twice.
    setTimeout(function () { status.textContent = words; }, 50);
  }

  function copyBySelecting(field) {
    field.focus();
    field.select();
    field.setSelectionRange(0, field.value.length);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function copy(block) {
    var field = block.querySelector(".share-link");
    var url = block.dataset.shareUrl;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(
        function () { say(block, COPIED); },
        function () { say(block, copyBySelecting(field) ? COPIED : NOT_COPIED); }
      );
      return;
    }
    say(block, copyBySelecting(field) ? COPIED : NOT_COPIED);
  }

  function upgrade(block) {
    var button = block.querySelector(".share-button");
    var copyButton = block.querySelector(".share-copy");
    copyButton.addEventListener("click", function () { copy(block); });
    copyButton.classList.remove("invisible");
    if (typeof navigator.share !== "function") return;
    var data = {
      title: block.dataset.shareTitle,
      text: block.dataset.shareText,
      url: block.dataset.shareUrl,
    };
    var via = button.querySelector(".share-via");
    if (via) via.remove();
    button.removeAttribute("target");
    button.addEventListener("click", function (event) {
      event.preventDefault();
      navigator.share(data).catch(function (error) {
        // Closing the sheet is no failure; anything else: WhatsApp, as without it.
        if (error && error.name !== "AbortError") window.open(button.href, "_blank", "noopener");
      });
    });
  }

  document.querySelectorAll(".share[data-share-url]").forEach(upgrade);
})();
