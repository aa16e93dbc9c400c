// The docs pages (/guides): the "Ask the docs" box answers in place through POST /v1/assistant/ask
// (same origin). Without JavaScript the form is a plain GET to /guides/ask, which shows the same answer.
(function () {
  "use strict";
  var form = document.querySelector('[data-testid="ask-form"]');
  var out = document.getElementById("guides-answer");
  if (!form || !out || !window.fetch) return;

  function el(tag, text) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    return node;
  }

  function show(body) {
    out.textContent = "";
    var answer = el("p", body.answer);
    if (body.refused) answer.className = "guides-refused";
    out.appendChild(answer);
    if (body.code_sample) {
      var pre = el("pre"), code = el("code", body.code_sample.code);
      pre.appendChild(code);
      out.appendChild(pre);
    }
    if (body.citations && body.citations.length) {
      out.appendChild(el("p", body.refused ? "Closest pages:" : "Sources:"));
      var list = el("ul");
      body.citations.forEach(function (c) {
        var li = el("li"), a = el("a", c.title);
        // Only links on this server: every citation's url starts with "/".
        if (typeof c.url === "string" && c.url.charAt(0) === "/" && c.url.charAt(1) !== "/") a.href = c.url;
        li.appendChild(a);
        list.appendChild(li);
      });
      out.appendChild(list);
    }
  }

  form.addEventListener("submit", function (event) {
    var question = form.querySelector("textarea").value.trim();
    if (!question) return;
    event.preventDefault();
    out.textContent = "Looking in the docs…";
    fetch("/v1/assistant/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ question: question })
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { out.textContent = body.detail || "The assistant could not answer."; return; }
        show(body);
      });
    }).catch(function () { form.submit(); });
  });
})();
