/* Shared Leaflet helpers. Every map has a non-map alternative in the page (list, address, select). */
(function () {
  "use strict";
  if (!window.L) { return; }
  var Parvis = window.Parvis = window.Parvis || {};

  // Leaflet finds its marker images from its CSS, which fails with hashed static names: use the URLs
  // that base.html gives on <body>.
  var icons = document.body.dataset;
  if (icons.markerIcon) {
    L.Icon.Default.imagePath = "";
    L.Icon.Default.mergeOptions({
      iconUrl: icons.markerIcon, iconRetinaUrl: icons.markerIcon2x, shadowUrl: icons.markerShadow
    });
  }

  // Site-wide defaults come from <body data-map-…> (the settings); a map may override them.
  var site = document.body.dataset;

  // Offline or blocked tiles leave a grey box: say so under the map, once; markers and lists still work.
  Parvis.sayWhenTilesFail = function (el, tiles) {
    var said = false;
    tiles.on("tileerror", function () {
      if (said) { return; }
      said = true;
      var note = document.createElement("p");
      note.className = "notice map-tiles-missing";
      note.setAttribute("role", "status");
      note.textContent = site.mapTilesMissing || "The map background could not be loaded.";
      el.parentNode.insertBefore(note, el.nextSibling);
    });
  };

  Parvis.createMap = function (el) {
    var center = (el.dataset.center || site.mapCenter || "48.8566,2.3522").split(",").map(Number);
    var zoom = Number(el.dataset.zoom || site.mapZoom || 12);
    var map = L.map(el, { scrollWheelZoom: false }).setView(center, zoom);
    var tiles = L.tileLayer(el.dataset.tiles || site.mapTiles || "https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 19, attribution: el.dataset.attribution || site.mapAttribution || "&copy; OpenStreetMap"
    }).addTo(map);
    Parvis.sayWhenTilesFail(el, tiles);
    if (el.dataset.marker) {
      // The place this page is about (a project, an idea, a report): one marker at it.
      var at = el.dataset.marker.split(",").map(Number);
      if (at.length === 2 && !isNaN(at[0]) && !isNaN(at[1])) {
        L.marker(at, { keyboard: false, alt: el.dataset.markerLabel || "" }).addTo(map);
      }
    }
    if (el.dataset.territories) {
      fetch(el.dataset.territories).then(function (r) { return r.json(); }).then(function (data) {
        L.geoJSON(data, { style: { weight: 1, color: "#0b4fa3", fillOpacity: 0.03 },
          onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name); } }).addTo(map);
      });
    }
    return map;
  };

  // A point picker bound to two inputs (latitude, longitude).
  function picker(el) {
    var map = Parvis.createMap(el);
    var lat = document.getElementById(el.dataset.latInput);
    var lon = document.getElementById(el.dataset.lonInput);
    var marker = null;
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng, { keyboard: true }).addTo(map); }
      lat.value = latlng.lat.toFixed(6); lon.value = latlng.lng.toFixed(6);
      lat.dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (lat && lat.value && lon && lon.value) {
      var start = L.latLng(Number(lat.value), Number(lon.value));
      place(start); map.setView(start, 16);
    }
    map.on("click", function (e) { place(e.latlng); });
    // Keyboard: the arrows move the map (Leaflet), Enter or Space places the point at its centre.
    el.addEventListener("keydown", function (e) {
      if ((e.key === "Enter" || e.key === " ") && e.target === el) {
        e.preventDefault();
        place(map.getCenter());
        var status = document.getElementById(el.dataset.status || "");
        if (status) { status.textContent = el.dataset.placedText || ""; }
      }
    });
    el.parvisMap = map;
  }

  document.querySelectorAll("[data-map-picker]").forEach(picker);
  document.querySelectorAll("[data-map-view]").forEach(function (el) {
    var map = Parvis.createMap(el);
    if (el.dataset.geojson) {
      fetch(el.dataset.geojson).then(function (r) { return r.json(); }).then(function (data) {
        // A feature without a place (an idea with no point) has no marker; the list shows it.
        data.features = (data.features || []).filter(function (f) { return f && f.geometry; });
        var layer = L.geoJSON(data, { onEachFeature: function (f, l) {
          if (f.properties && f.properties.title) {
            var a = document.createElement("a"); a.href = f.properties.url || "#"; a.textContent = f.properties.title;
            l.bindPopup(a);
          } } }).addTo(map);
        if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { maxZoom: 16 }); }
      });
    }
    el.parvisMap = map;
  });
})();
