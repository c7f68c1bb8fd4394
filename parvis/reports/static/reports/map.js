/* Public map of reports: fetches GeoJSON for the visible box; the server sends points, or grid clusters
   when the box holds too many; points are clustered again in the browser (Leaflet.markercluster). */
(function () {
  "use strict";
  var el = document.querySelector("[data-reports-map]");
  if (!el || !window.L || !window.Parvis) { return; }
  var map = Parvis.createMap(el);
  var points = L.markerClusterGroup ? L.markerClusterGroup({ chunkedLoading: true }) : L.layerGroup();
  var clusters = L.layerGroup();
  points.addTo(map); clusters.addTo(map);
  var pending = null;

  function clusterIcon(count) {
    var size = count < 100 ? 36 : (count < 1000 ? 44 : 54);
    return L.divIcon({ html: "<span>" + count + "</span>", className: "server-cluster",
      iconSize: L.point(size, size) });
  }

  function load() {
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
    var url = el.dataset.endpoint + "?bbox=" + bbox.join(",") + (el.dataset.filters ? "&" + el.dataset.filters : "");
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(url, { signal: pending.signal }).then(function (r) { return r.json(); }).then(function (data) {
      points.clearLayers(); clusters.clearLayers();
      (data.features || []).forEach(function (f) {
        var c = f.geometry.coordinates, latlng = L.latLng(c[1], c[0]);
        if (f.properties.cluster) {
          var m = L.marker(latlng, { icon: clusterIcon(f.properties.count), keyboard: true,
            title: f.properties.count + " " + (el.dataset.clusterLabel || "signalements") });
          m.on("click", function () { map.setView(latlng, Math.min(map.getZoom() + 2, 19)); });
          clusters.addLayer(m);
        } else {
          var marker = L.marker(latlng, { title: f.properties.title + " (" + f.properties.status_label + ")",
            alt: f.properties.title });
          var a = document.createElement("a");
          a.href = f.properties.url; a.textContent = f.properties.title + " — " + f.properties.status_label;
          marker.bindPopup(a);
          points.addLayer(marker);
        }
      });
    }).catch(function () { /* aborted or offline: the list below still works */ });
  }
  map.on("moveend", load);
  load();
})();
