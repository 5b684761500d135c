/* Click-to-place map of the register forms: a click fills the hidden lat/lon fields and clears the RT and
   kelurahan selects (the service takes exactly one place); choosing either select removes the point.
   Polygons come from the page (json_script "place-geojson"); no tiles, so it works offline. */
(function () {
  "use strict";
  var el = document.getElementById("place-map");
  var data = document.getElementById("place-geojson");
  if (!el || !data || typeof L === "undefined") return;
  var fc = JSON.parse(data.textContent);
  var labels = JSON.parse((document.getElementById("place-labels") || { textContent: "{}" }).textContent);
  var lat = document.getElementById("id_lat");
  var lon = document.getElementById("id_lon");
  var rt = document.getElementById("id_rt_key");
  var kel = document.getElementById("id_kelurahan_code");
  var shown = document.getElementById("place-chosen");
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  var layer = L.geoJSON(fc, {
    style: function () { return { color: "#0b3d91", weight: 1, fillColor: "#0b3d91", fillOpacity: 0.08 }; },
    onEachFeature: function (f, l) { l.bindTooltip(f.properties.name, { sticky: true }); },
  }).addTo(map);
  var b = layer.getBounds();
  if (b.isValid()) map.fitBounds(b, { padding: [8, 8] });
  else map.setView([-6.24, 106.99], 12);
  if (fc.focus) {
    // a point surely inside the (first) kelurahan, in map pixels: where a click places a valid record
    var pt = map.latLngToContainerPoint(fc.focus);
    el.dataset.focus = Math.round(pt.x) + "," + Math.round(pt.y);
  }
  var marker = null;

  function setPoint(latlng) {
    if (marker) marker.setLatLng(latlng);
    else marker = L.marker(latlng, { keyboard: false }).addTo(map);
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
    if (rt) rt.value = "";
    if (kel) kel.value = "";
    if (shown) shown.textContent = (labels.chosen || "Point") + ": " + lat.value + ", " + lon.value;
  }
  function clearPoint() {
    if (marker) { map.removeLayer(marker); marker = null; }
    lat.value = "";
    lon.value = "";
    if (shown) shown.textContent = "";
  }
  map.on("click", function (e) { setPoint(e.latlng); });
  layer.on("click", function (e) { setPoint(e.latlng); });
  [rt, kel].forEach(function (sel) {
    if (!sel) return;
    sel.addEventListener("change", function () {
      if (!sel.value) return;
      clearPoint();
      var other = sel === rt ? kel : rt;
      if (other) other.value = "";
    });
  });
  if (lat && lat.value && lon && lon.value) setPoint(L.latLng(parseFloat(lat.value), parseFloat(lon.value)));
})();
