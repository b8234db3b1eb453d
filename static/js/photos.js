/* Photos chosen in a form (input[type=file][data-resize]: the new product
   form and the photo upload of a product) are made smaller in the browser
   before they go: drawn on a canvas at most data-resize pixels on their
   longer side, the right way up, as JPEG at quality 0.85. The form is then
   sent with XMLHttpRequest, whose upload events fill a progress bar, and the
   page the server answers with (after its redirect) replaces this one, just
   as a plain submit would show it.

   Progressive enhancement: without JavaScript, or without these browser
   features, the form goes as it is. Either way the server checks and
   re-encodes every photo itself (core.images): nothing here is trusted.
   The busy state (the button's "Menyimpan…", no second send) is app.js's
   form[data-busy]; this script ends it only when the sending failed. */
(function () {
  "use strict";

  var QUALITY = 0.85;
  var SMALL_ENOUGH = 600 * 1024; // bytes: a photo this light, and not too big, goes as it is

  if (!window.FormData || !window.XMLHttpRequest || !window.Promise) return;
  var canShrink = typeof window.createImageBitmap === "function" &&
    typeof HTMLCanvasElement.prototype.toBlob === "function";

  // -> {blob, name}: the photo to send (the chosen file itself when it is
  // small already, or cannot be read here: the server will say why).
  function shrink(file, side) {
    var asChosen = { blob: file, name: file.name };
    if (!canShrink || !/^image\/(jpeg|png|webp)$/.test(file.type)) return Promise.resolve(asChosen);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size <= SMALL_ENOUGH) {
        bitmap.close();
        return asChosen;
      }
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // JPEG has no transparency: a PNG's becomes white
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob && blob.size < file.size
            ? { blob: blob, name: file.name.replace(/\.[^.]*$/, "") + ".jpg" }
            : asChosen);
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return asChosen; });
  }

  // A progress bar and its words under the form's button.
  function progressFor(form, button) {
    var box = form.querySelector("[data-upload-progress]");
    if (!box) {
      box = document.createElement("div");
      box.className = "mt-2";
      box.setAttribute("data-upload-progress", "");
      var bar = document.createElement("progress");
      bar.className = "w-100 upload-progress";
      bar.max = 100;
      bar.setAttribute("aria-label", "Kemajuan unggahan foto");
      var words = document.createElement("p");
      words.className = "small mb-0";
      words.setAttribute("role", "status");
      box.append(bar, words);
      (button || form.lastElementChild).insertAdjacentElement("afterend", box);
    }
    var progress = box.querySelector("progress");
    var said = box.querySelector("[role=status]");
    box.hidden = false;
    said.classList.remove("text-danger");
    return {
      say: function (text) { said.textContent = text; },
      sent: function (fraction) {
        var percent = Math.round(fraction * 100);
        progress.value = percent;
        said.textContent = "Mengunggah foto… " + percent + "%";
      },
      failed: function (text) {
        progress.value = 0;
        said.textContent = text;
        said.classList.add("text-danger");
      }
    };
  }

  function send(form, data, show) {
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) show.sent(event.loaded / event.total);
    });
    request.upload.addEventListener("load", function () {
      show.sent(1);
      show.say("Foto terkirim. Menyimpan…");
    });
    request.addEventListener("load", function () {
      // The page after the server's redirect (or the form with its errors):
      // shown in place of this one, at its own address.
      var address = request.responseURL;
      document.open();
      document.write(request.responseText);
      document.close();
      if (address) window.history.replaceState(null, "", address);
    });
    function failed() {
      show.failed("Foto belum terkirim: sambungan terputus. Periksa internet Anda, lalu coba lagi.");
      form.dispatchEvent(new CustomEvent("busy:end", { bubbles: true }));
    }
    request.addEventListener("error", failed);
    request.addEventListener("timeout", failed);
    request.send(data);
  }

  document.querySelectorAll("input[type=file][data-resize]").forEach(function (input) {
    var form = input.form;
    var side = Number(input.dataset.resize) || 1600;
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented || input.files.length === 0) return;
      event.preventDefault();
      var data = new FormData(form);
      var button = event.submitter;
      if (button && button.name) data.append(button.name, button.value);
      data.delete(input.name);
      var files = Array.prototype.slice.call(input.files);
      var show = progressFor(form, button);
      var ready = Promise.resolve();
      files.forEach(function (file, index) {
        ready = ready.then(function () {
          show.say("Mengecilkan foto " + (index + 1) + " dari " + files.length + "…");
          return shrink(file, side);
        }).then(function (photo) {
          data.append(input.name, photo.blob, photo.name);
        });
      });
      ready.then(function () { send(form, data, show); });
    });
  });
})();
