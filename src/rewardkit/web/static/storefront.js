// The store's pages: progressive enhancement only; every form and link works without JavaScript.
(function () {
  // A redeem form is sent once: a second click while the first is on its way does nothing (the server
  // would answer the same order anyway: the form's nonce is its idempotency key).
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var button = form.querySelector("button[type=submit]");
      if (button) { button.setAttribute("aria-disabled", "true"); button.textContent = "Redeeming…"; }
    });
  });
})();
