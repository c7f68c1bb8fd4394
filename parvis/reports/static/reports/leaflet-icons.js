/* Leaflet finds its marker images from its CSS; with hashed static file names it cannot, so the
   page gives their URLs (data-marker-icon, data-marker-icon-2x, data-marker-shadow on a map element). */
(function () {
  "use strict";
  var el = document.querySelector("[data-marker-icon]");
  if (!el || !window.L) { return; }
  L.Icon.Default.imagePath = "";
  L.Icon.Default.mergeOptions({
    iconUrl: el.dataset.markerIcon, iconRetinaUrl: el.dataset.markerIcon2x, shadowUrl: el.dataset.markerShadow
  });
})();
