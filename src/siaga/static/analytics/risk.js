/* Risk choropleth: features come from the page (json_script "risk-geojson"); no tiles (works offline). */
(function () {
  "use strict";
  var el = document.getElementById("risk-map");
  var data = document.getElementById("risk-geojson");
  if (!el || !data || typeof L === "undefined") return;
  var fc = JSON.parse(data.textContent);
  var labelsEl = document.getElementById("risk-labels");
  var labels = labelsEl ? JSON.parse(labelsEl.textContent) : { score: "Score", open: "Open" };
  var colours = { aman: "#4caf50", waspada: "#ffc107", rawan: "#e53935" };
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  var layer = L.geoJSON(fc, {
    style: function (f) {
      return { color: "#333", weight: 1, fillColor: colours[f.properties.cls] || "#999", fillOpacity: 0.65 };
    },
    onEachFeature: function (f, l) {
      var p = f.properties;
      if (!p.name) return;
      var box = document.createElement("div");
      var b = document.createElement("strong");
      b.textContent = p.name;
      box.appendChild(b);
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(p.label + " · " + labels.score + " " + p.score));
      if (p.url) {
        box.appendChild(document.createElement("br"));
        var a = document.createElement("a");
        a.href = p.url;
        a.textContent = labels.open;
        box.appendChild(a);
      }
      l.bindPopup(box);
      l.bindTooltip(p.name, { sticky: true });
    },
  }).addTo(map);
  var b = layer.getBounds();
  if (b.isValid()) map.fitBounds(b, { padding: [10, 10] });
  else map.setView([-6.24, 106.99], 12);
})();
