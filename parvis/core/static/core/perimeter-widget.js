/* Draw a perimeter (campaign, consultation): each click on the map adds a corner; the GeoJSON goes into the textarea
   (which stays editable by hand, the way to set it without a map). */
(function () {
  "use strict";
  function start() {
  if (!window.L) { return; }
  document.querySelectorAll("textarea[data-perimeter-widget]").forEach(function (area) {
    var box = document.createElement("div");
    box.style.height = "360px"; box.style.width = "40rem"; box.style.maxWidth = "100%";
    box.style.margin = ".5rem 0"; box.setAttribute("role", "region");
    box.setAttribute("aria-label", area.dataset.mapLabel || "Map");
    var reset = document.createElement("button");
    reset.type = "button"; reset.textContent = area.dataset.resetLabel || "Reset";
    // In the admin the textarea sits in a flex row: put the map on its own line below the row.
    var row = area.closest(".form-row") || area.parentNode;
    row.appendChild(box);
    row.appendChild(reset);
    var map = L.map(box).setView((area.dataset.center || "48.8566,2.3522").split(",").map(Number), 13);
    L.tileLayer(area.dataset.tiles || "https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 19,
      attribution: area.dataset.attribution || '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    }).addTo(map);
    var corners = [], shape = null;
    function draw() {
      if (shape) { map.removeLayer(shape); shape = null; }
      if (corners.length) { shape = L.polygon(corners, { color: "#0b4fa3" }).addTo(map); }
      if (corners.length >= 3) {
        var ring = corners.map(function (c) { return [Number(c.lng.toFixed(6)), Number(c.lat.toFixed(6))]; });
        ring.push(ring[0]);
        area.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
      }
    }
    try {
      var existing = JSON.parse(area.value || "null");
      if (existing && existing.type === "Polygon") {
        corners = existing.coordinates[0].slice(0, -1).map(function (p) { return L.latLng(p[1], p[0]); });
        draw(); map.fitBounds(shape.getBounds());
      }
    } catch (e) { /* hand-written text: leave it for the server to check */ }
    map.on("click", function (e) { corners.push(e.latlng); draw(); });
    reset.addEventListener("click", function () { corners = []; area.value = ""; draw(); });
  });
  }
  // The admin loads form media in <head>: wait for the form.
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
