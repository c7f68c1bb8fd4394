/* Inclusion dashboard: neighbourhoods coloured by voters per 1,000 inhabitants; priority areas outlined.
   The table under the map gives the same figures. */
(function () {
  "use strict";
  if (!window.L || !window.Parvis) { return; }
  var el = document.querySelector("[data-inclusion-map]");
  if (!el) { return; }
  var map = Parvis.createMap(el);
  var colours = ["#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d"];
  fetch(el.dataset.geojson).then(function (r) { return r.json(); }).then(function (data) {
    var rates = data.features.map(function (f) { return f.properties.voters_per_1000 || 0; });
    var max = Math.max.apply(null, rates.concat([1]));
    var layer = L.geoJSON(data, {
      style: function (f) {
        var rate = f.properties.voters_per_1000 || 0;
        var i = Math.min(colours.length - 1, Math.floor(colours.length * rate / (max + 1e-9)));
        return { color: f.properties.priority ? "#7a4a00" : "#555", weight: f.properties.priority ? 3 : 1,
                 fillColor: colours[i], fillOpacity: 0.7 };
      },
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.title); }
    }).addTo(map);
    if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); }
  });
})();
