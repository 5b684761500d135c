/* Problems (coloured by level PG / AG / GN) or potentials (by kind) on the map: a marker where the record
   has a point, its RT or kelurahan polygon (dashed) where it is located by area only. No tiles needed. */
(function () {
  "use strict";
  var el = document.getElementById("register-map");
  var data = document.getElementById("register-geojson");
  if (!el || !data || typeof L === "undefined") return;
  var fc = JSON.parse(data.textContent);
  var labels = JSON.parse((document.getElementById("register-labels") || { textContent: "{}" }).textContent);
  var colours = {
    PG: "#fbc02d", AG: "#ef6c00", GN: "#c62828",
    natural: "#2e7d32", person: "#1565c0", activity: "#8e24aa", network: "#00838f",
  };
  function colour(f) { return colours[f.properties.cls] || "#555"; }
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  var outlineEl = document.getElementById("register-outline");
  var outline = outlineEl ? JSON.parse(outlineEl.textContent) : null;
  var areas = null;
  if (outline && outline.features && outline.features.length) {
    areas = L.geoJSON(outline, {
      interactive: false,
      style: function () { return { color: "#7b8794", weight: 1, fillColor: "#fff", fillOpacity: 0.7 }; },
    }).addTo(map);
  }
  var layer = L.geoJSON(fc, {
    style: function (f) {
      if (f.geometry.type === "Point") {
        return { color: "#222", weight: 1.5, fillColor: colour(f), fillOpacity: 0.95 };
      }
      return { color: colour(f), weight: 2, dashArray: "5 4", fillColor: colour(f), fillOpacity: 0.18 };
    },
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, { radius: 8 });
    },
    onEachFeature: function (f, l) {
      var p = f.properties;
      var box = document.createElement("div");
      var t = document.createElement("strong");
      t.textContent = p.title;
      box.appendChild(t);
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(p.label));
      if (p.place) {
        box.appendChild(document.createElement("br"));
        box.appendChild(document.createTextNode(p.place));
      }
      if (f.geometry.type !== "Point") {
        box.appendChild(document.createElement("br"));
        var s = document.createElement("small");
        s.textContent = labels.area || "";
        box.appendChild(s);
      }
      if (p.url) {
        box.appendChild(document.createElement("br"));
        var a = document.createElement("a");
        a.href = p.url;
        a.textContent = labels.open || "Open";
        box.appendChild(a);
      }
      l.bindPopup(box);
      l.bindTooltip(p.title, { sticky: true });
    },
  }).addTo(map);
  layer.eachLayer(function (l) { if (l.setRadius) l.bringToFront(); });
  var b = areas ? areas.getBounds() : layer.getBounds();
  if (b.isValid()) map.fitBounds(b, { padding: [10, 10], maxZoom: 16 });
  else map.setView([-6.24, 106.99], 12);
})();
