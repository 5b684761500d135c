/* Hotspot and prediction maps: grid cells (or RT polygons) from the page (json_script "hotspot-geojson"),
   coloured by KDE class (c = 1..5), by Gi* confidence (c = ±90/95/99), or by forecast class with the top
   cells outlined (top = true). No tiles: works offline. */
(function () {
  "use strict";
  var el = document.getElementById("hotspot-map");
  var data = document.getElementById("hotspot-geojson");
  if (!el || !data || typeof L === "undefined") return;
  var fc = JSON.parse(data.textContent);
  var labels = JSON.parse((document.getElementById("hotspot-labels") || { textContent: "{}" }).textContent);
  var ramp = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
  var gi = { "99": "#b2182b", "95": "#ef8a62", "90": "#fddbc7", "-90": "#d1e5f0", "-95": "#67a9cf", "-99": "#2166ac" };
  function fill(p) {
    if (p.z !== undefined) return gi[String(p.c)] || "#999";
    return ramp[Math.max(0, Math.min(4, (p.c || 1) - 1))];
  }
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25, preferCanvas: true });
  var outlineEl = document.getElementById("hotspot-outline");
  var outline = outlineEl ? JSON.parse(outlineEl.textContent) : null;
  var areas = null;
  if (outline && outline.features) {
    areas = L.geoJSON(outline, {
      style: function () { return { color: "#52606d", weight: 1, fill: true, fillColor: "#fff", fillOpacity: 0.6 }; },
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.name, { sticky: true }); },
    }).addTo(map);
  }
  var layer = L.geoJSON(fc, {
    style: function (f) {
      var p = f.properties;
      if (p.outline) return { color: "#0b3d91", weight: 2, fill: false };
      return { stroke: false, fillColor: fill(p), fillOpacity: 0.7 };
    },
    onEachFeature: function (f, l) {
      var p = f.properties;
      if (p.outline) return;
      var text;
      if (p.z !== undefined) {
        text = (labels.confidence || {})[String(p.c)] + " · " + labels.z + " " + p.z + " · p " + p.p + " · " +
          labels.count + " " + p.n;
      } else if (p.top !== undefined) {
        text = labels.expected + ": " + p.v + (p.top ? " · " + labels.top : "");
      } else {
        text = labels.density + ": " + p.v;
      }
      if (p.key) text = p.key + " · " + text;
      l.bindTooltip(text, { sticky: true });
    },
  }).addTo(map);
  var b = areas && areas.getBounds().isValid() ? areas.getBounds() : layer.getBounds();
  if (b.isValid()) map.fitBounds(b, { padding: [10, 10] });
  else map.setView([-6.24, 106.99], 12);
})();
