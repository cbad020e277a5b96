// The new-fund form shows only the rule fields of the chosen kind. Without this script every
// group shows, each saying which kinds read it, and the server reads only the chosen kind's.
(function () {
  "use strict";
  var radios = document.querySelectorAll('input[name="kind"][type="radio"]');
  if (!radios.length) return;
  function show() {
    var chosen = document.querySelector('input[name="kind"]:checked');
    document.querySelectorAll("[data-kinds]").forEach(function (group) {
      group.hidden = chosen ? group.getAttribute("data-kinds").split(" ").indexOf(chosen.value) < 0 : false;
    });
  }
  radios.forEach(function (radio) { radio.addEventListener("change", show); });
  show();
})();
