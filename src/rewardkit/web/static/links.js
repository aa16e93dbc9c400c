// The claim page: progressive enhancement only; every form works without JavaScript.
(function () {
  // Filter the choices as one types (the search form still submits and filters on the server).
  var q = document.getElementById("q");
  if (q) {
    var items = document.querySelectorAll("li.choice");
    q.addEventListener("input", function () {
      var words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
      items.forEach(function (li) {
        var text = li.dataset.search || "";
        li.hidden = !words.every(function (w) { return text.indexOf(w) !== -1; });
      });
    });
  }
  // A claim form is sent once: a second click while the first is on its way does nothing.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var button = form.querySelector("button[type=submit]");
      if (button) { button.setAttribute("aria-disabled", "true"); button.textContent = "Claiming…"; }
    });
  });
})();
