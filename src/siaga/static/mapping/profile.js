/* Profile maps: the area outline and the records as coloured dots, from the page's json_script
   "profile-data"; no tiles needed (works offline). Records without an exact point are drawn at the centre
   of their RT or kelurahan, hollow. */
(function () {
  "use strict";
  var el = document.getElementById("profile-map");
  var src = document.getElementById("profile-data");
  if (!el || !src || typeof L === "undefined") return;
  var data = JSON.parse(src.textContent);
  var colours = { incident: "#d32f2f", problem: "#f57c00", potential: "#2e7d32", partner: "#1565c0", place: "#6a1b9a" };
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  var bounds = L.latLngBounds([]);
  if (data.outline && data.outline.features.length) {
    var outline = L.geoJSON(data.outline, {
      style: function () { return { color: "#0b3d91", weight: 2, fillColor: "#0b3d91", fillOpacity: 0.06 }; },
    }).addTo(map);
    bounds.extend(outline.getBounds());
  }
  var points = L.geoJSON(data.features, {
    pointToLayer: function (f, latlng) {
      var c = colours[f.properties.kind] || "#555";
      var approx = f.properties.approx;
      return L.circleMarker(latlng, {
        radius: f.properties.kind === "incident" ? 5 : 7, color: c, weight: 2,
        fillColor: c, fillOpacity: approx ? 0.15 : 0.75,
      });
    },
    onEachFeature: function (f, layer) {
      if (f.properties.label) layer.bindTooltip(f.properties.label);
    },
  }).addTo(map);
  if (data.features.features.length) bounds.extend(points.getBounds());
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12], maxZoom: 17 });
  else map.setView([-6.24, 106.99], 12);
  el.setAttribute("data-drawn", String(data.features.features.length));
})();
