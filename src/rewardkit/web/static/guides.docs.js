// The API reference on a local demo server (guides/reference.py): authorize Swagger UI with the demo
// org's sandbox key once the description has loaded, so "Try it out" works at once. The key comes
// from a <meta> element of this page; this file holds none.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="rewardkit-demo-key"]');
  if (!meta) return;
  var key = meta.getAttribute("content"), scheme = meta.getAttribute("data-scheme") || "apiKey";
  var tries = 0;
  var timer = setInterval(function () {
    tries += 1;
    // Swagger UI's page declares `const ui` at the top level of its script: shared by every classic
    // script of the page, though not a property of window.
    var swagger = typeof ui !== "undefined" ? ui : window.ui;
    if (swagger && swagger.specSelectors && swagger.specSelectors.specJson().size) {
      clearInterval(timer);
      swagger.preauthorizeApiKey(scheme, key);
    } else if (tries > 200) {
      clearInterval(timer);
    }
  }, 50);
})();
