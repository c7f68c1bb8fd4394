/* Campaign map: perimeter, contributions, a heat layer (translucent discs), and a point picker for proposals. */
(function () {
  "use strict";
  var el = document.querySelector("[data-campaign-map]");
  if (!el || !window.L || !window.Parvis) { return; }
  var map = Parvis.createMap(el);
  if (el.dataset.perimeter) {
    var perimeter = L.geoJSON(JSON.parse(el.dataset.perimeter), { style: { color: "#0b4fa3", weight: 2, fillOpacity: 0.05 } }).addTo(map);
    if (perimeter.getBounds().isValid()) { map.fitBounds(perimeter.getBounds()); }
  }
  var heat = JSON.parse(el.dataset.heat || "[]");
  var heatLayer = L.layerGroup(heat.map(function (p) {
    return L.circle([p[0], p[1]], { radius: 40, stroke: false, fillColor: "#d7301f", fillOpacity: 0.12, interactive: false });
  }));
  var points = L.layerGroup();
  fetch(el.dataset.geojson).then(function (r) { return r.json(); }).then(function (data) {
    L.geoJSON(data, { onEachFeature: function (f, layer) {
      var a = document.createElement("a"); a.href = f.properties.url; a.textContent = f.properties.title;
      layer.bindPopup(a);
    } }).addTo(points);
  });
  points.addTo(map);
  var overlays = {};
  overlays[el.dataset.labelPoints || "Contributions"] = points;
  overlays[el.dataset.labelHeat || "Heat map"] = heatLayer;
  L.control.layers(null, overlays).addTo(map);
  if (el.dataset.picker) {
    var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon"), marker = null;
    map.on("click", function (e) {
      if (marker) { marker.setLatLng(e.latlng); } else { marker = L.marker(e.latlng).addTo(map); }
      if (lat && lon) { lat.value = e.latlng.lat.toFixed(6); lon.value = e.latlng.lng.toFixed(6); }
    });
  }
})();
