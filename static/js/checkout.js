/* Checkout (templates/orders/checkout.html): the delivery choices and the
   total follow the form as soon as the kecamatan, a delivery choice or the
   payment method changes. The server computes them (/checkout/ringkasan
   renders the same templates as the page, with the same fees and rules
   as the order), this only puts them in place: nothing is computed here.
   Without JavaScript the "Hitung ulang" buttons do the same by a submit. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-summary-url]");
  if (!form) return;
  var asked = 0; // the latest request: an older answer arriving late is dropped
  // "Buat pesanan" waits while the total is being recounted, so the total
  // sent with the order is the one on the screen.
  var place = form.querySelector("button[type=submit]:not([name])");

  function recountButtons(shown) {
    form.querySelectorAll("[data-recount]").forEach(function (button) {
      button.hidden = !shown;
    });
  }

  function query() {
    var params = new URLSearchParams();
    params.set("kecamatan", form.elements.kecamatan.value);
    var payment = form.querySelector("input[name=payment_method]:checked");
    if (payment) params.set("payment_method", payment.value);
    form.querySelectorAll("input[name^='pengiriman-']:checked").forEach(function (choice) {
      params.append(choice.name, choice.value);
    });
    return params.toString();
  }

  function refresh(withChoices) {
    var mine = ++asked;
    var total = document.getElementById("ringkasan");
    total.setAttribute("aria-busy", "true");
    if (place) place.disabled = true;
    fetch(form.dataset.summaryUrl + "?" + query(), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        // a login page (the session ended) is no summary: the server's way then
        if (!response.ok || response.redirected) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        if (mine !== asked) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var ids = withChoices ? ["pengiriman-toko", "ringkasan"] : ["ringkasan"];
        ids.forEach(function (id) {
          var now = document.getElementById(id);
          var next = fresh.getElementById(id);
          if (now && next) now.replaceChildren.apply(now, Array.from(next.childNodes));
        });
        recountButtons(false);
        done();
      })
      .catch(function () {
        if (mine !== asked) return;
        recountButtons(true); // the server's way still works
        done();
      });

    function done() {
      total.removeAttribute("aria-busy");
      if (place) place.disabled = false;
    }
  }

  recountButtons(false);
  form.addEventListener("change", function (event) {
    var name = event.target.name || "";
    if (name === "kecamatan") refresh(true);
    else if (name === "payment_method" || name.indexOf("pengiriman-") === 0) refresh(false);
  });
})();
