// Copy buttons: progressive enhancement only; the code is readable without JavaScript.
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  button.addEventListener("click", function () {
    // data-value is the code exactly; the text inside is cut into groups so it wraps only between them.
    var source = document.getElementById(button.dataset.copy);
    var text = (source.dataset.value || source.textContent).trim();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).then(function () { button.textContent = "Copied"; });
    }
  });
});
