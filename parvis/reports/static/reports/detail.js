/* Put the report's marker on its small map. */
(function () {
  "use strict";
  if (!window.L) { return; }
  document.querySelectorAll("[data-marker]").forEach(function (el) {
    var c = el.dataset.marker.split(",").map(Number);
    if (el.parvisMap) { L.marker(c, { keyboard: false }).addTo(el.parvisMap); }
  });
})();
