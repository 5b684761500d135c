/* Nearest police station: the stations on a vector map, the list sorted by distance from the phone. */
(function () {
  "use strict";
  var P = window.SiagaPortal, L = P.labels;
  var map = P.map(document.getElementById("st-map"), { stations: true });
  var list = document.getElementById("st-list"), out = document.getElementById("st-status");
  var me = null;
  document.getElementById("locate").addEventListener("click", function () {
    if (!navigator.geolocation) { out.textContent = L.no_position || ""; return; }
    out.textContent = L.locating || "";
    navigator.geolocation.getCurrentPosition(function (p) {
      var lat = p.coords.latitude, lon = p.coords.longitude;
      out.textContent = "";
      var rows = P.nearestStations(lat, lon, 50);
      list.textContent = "";
      rows.forEach(function (r) { list.appendChild(P.stationItem(r.s, r.d)); });
      if (map) {
        if (me) me.setLatLng([lat, lon]);
        else me = window.L.circleMarker([lat, lon], { radius: 8, color: "#b00020", fillOpacity: 0.9 }).bindTooltip(L.here || "").addTo(map);
        if (rows.length) map.fitBounds(window.L.latLngBounds([[lat, lon], [rows[0].s.lat, rows[0].s.lon]]).pad(0.4), { maxZoom: 14 });
      }
    }, function () { out.textContent = L.no_position || ""; }, { enableHighAccuracy: true, timeout: 10000 });
  });
})();
