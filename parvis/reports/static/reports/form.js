/* Report form enhancements: "use my position", and live list of nearby duplicates when the point moves. */
(function () {
  "use strict";
  var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon");
  var box = document.getElementById("duplicates");
  var locate = document.querySelector("[data-locate-me]");
  var mapEl = document.getElementById("report-map");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6); lon.value = pos.coords.longitude.toFixed(6);
        if (mapEl && mapEl.parvisMap) {
          var ll = L.latLng(pos.coords.latitude, pos.coords.longitude);
          mapEl.parvisMap.setView(ll, 17);
          mapEl.parvisMap.fire("click", { latlng: ll });
        }
        lat.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  }
  if (!box || !box.dataset.duplicatesUrl || !lat || !lon) { return; }
  function refresh() {
    if (!lat.value || !lon.value) { return; }
    fetch(box.dataset.duplicatesUrl + "?lat=" + encodeURIComponent(lat.value) + "&lon=" + encodeURIComponent(lon.value),
      { headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.text(); })
      .then(function (html) { box.innerHTML = html; });
  }
  lat.addEventListener("change", refresh);
  lon.addEventListener("change", refresh);
})();
