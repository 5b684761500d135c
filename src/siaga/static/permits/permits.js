/* Online services: "use my position" fills the latitude / longitude fields of a permit form.
   No inline script; without script the fields are typed by hand. */
(function () {
  "use strict";
  var btn = document.getElementById("use-position");
  var lat = document.getElementById("lat"), lon = document.getElementById("lon");
  var out = document.getElementById("position-status");
  if (!btn || !lat || !lon || !navigator.geolocation) return;
  var cfgEl = document.getElementById("portal-config");
  var L = (cfgEl ? JSON.parse(cfgEl.textContent) : {}).labels || {};
  btn.hidden = false;
  btn.addEventListener("click", function () {
    if (out) out.textContent = L.locating || "";
    navigator.geolocation.getCurrentPosition(function (p) {
      lat.value = p.coords.latitude.toFixed(6);
      lon.value = p.coords.longitude.toFixed(6);
      if (out) out.textContent = "";
    }, function () {
      if (out) out.textContent = L.no_position || "";
    }, { enableHighAccuracy: true, timeout: 10000 });
  });
})();
