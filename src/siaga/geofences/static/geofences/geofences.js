/* Geofence map: the fences from json_script "gf-geojson", coloured by kind; with data-draw, clicks on
   the map add vertices to a polygon written as GeoJSON into the named textarea (pasted GeoJSON is
   previewed too). No tiles needed: works offline. */
(function () {
  "use strict";
  var el = document.getElementById("gf-map");
  var data = document.getElementById("gf-geojson");
  if (!el || !data || typeof L === "undefined") return;
  var labels = JSON.parse((document.getElementById("gf-labels") || { textContent: "{}" }).textContent);
  var area = el.dataset.draw ? document.getElementById(el.dataset.draw) : null;
  var drawing = !!area;
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  var fences = L.geoJSON(JSON.parse(data.textContent), {
    style: function (f) {
      return { color: f.properties.colour, weight: 2, fillColor: f.properties.colour, fillOpacity: 0.2 };
    },
    onEachFeature: function (f, layer) {
      var p = f.properties;
      var box = document.createElement("div");
      var b = document.createElement("strong");
      b.textContent = p.name;
      box.appendChild(b);
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(p.label));
      if (p.url) {
        box.appendChild(document.createElement("br"));
        var a = document.createElement("a");
        a.href = p.url;
        a.textContent = labels.open || "Open";
        box.appendChild(a);
      }
      if (!drawing) layer.bindPopup(box);  // while drawing, a click on a fence adds a vertex instead
      layer.bindTooltip(p.name, { sticky: true });
    },
  }).addTo(map);
  var bounds = fences.getBounds();
  var centre = (el.dataset.centre || "").split(",").map(Number);
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
  else if (centre.length === 2 && !isNaN(centre[0])) map.setView(centre, 13);
  else map.setView([-6.24, 106.99], 12);

  if (!drawing) return;
  var points = [];
  var sketch = L.layerGroup().addTo(map);
  var round = function (v) { return Math.round(v * 1e6) / 1e6; };

  function redraw() {
    sketch.clearLayers();
    points.forEach(function (p) { L.circleMarker(p, { radius: 4, color: "#000" }).addTo(sketch); });
    if (points.length >= 3) L.polygon(points, { color: "#000", dashArray: "4 4", weight: 2 }).addTo(sketch);
    else if (points.length === 2) L.polyline(points, { color: "#000", dashArray: "4 4" }).addTo(sketch);
  }

  function write() {
    if (points.length < 3) { area.value = ""; return; }
    var ring = points.map(function (p) { return [round(p.lng), round(p.lat)]; });
    ring.push(ring[0]);
    area.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
  }

  var last = null;  // a click on a fence may reach both the fence and the map: count it once
  function add(e) {
    if (e.originalEvent && e.originalEvent === last) return;
    last = e.originalEvent;
    points.push(e.latlng);
    redraw();
    write();
  }
  map.on("click", add);
  fences.on("click", add);
  var undo = document.getElementById("gf-undo");
  var clear = document.getElementById("gf-clear");
  if (undo) undo.addEventListener("click", function () { points.pop(); redraw(); write(); });
  if (clear) clear.addEventListener("click", function () { points = []; redraw(); write(); });
  area.addEventListener("change", function () {  // pasted GeoJSON: show it (the server validates it)
    points = [];
    sketch.clearLayers();
    try {
      var shown = L.geoJSON(JSON.parse(area.value), { style: { color: "#000", dashArray: "4 4", weight: 2 } });
      shown.addTo(sketch);
      if (shown.getBounds().isValid()) map.fitBounds(shown.getBounds(), { padding: [20, 20] });
    } catch (err) { /* not JSON yet: nothing to preview */ }
  });
})();
