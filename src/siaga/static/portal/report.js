/* The report form: map pin, nearby-duplicate suggestions, and sending through the offline outbox. */
(function () {
  "use strict";
  var P = window.SiagaPortal, L = P.labels;
  var form = document.getElementById("report-form");
  if (!form) return;
  var status = document.getElementById("report-status");
  var lat = document.getElementById("lat"), lon = document.getElementById("lon");
  var pinStatus = document.getElementById("pin-status");
  form.elements.device.value = P.deviceId();
  // a fresh key per page load (a page served from the offline cache must not reuse an old key),
  // unless the server re-rendered the form after an error: then the same submission keeps its key
  if (!document.getElementById("form-error")) form.elements.key.value = P.uuid();
  var map = P.map(document.getElementById("report-map"), { stations: false }), pin = null;

  function setPin(la, lo) {
    lat.value = la.toFixed(6); lon.value = lo.toFixed(6);
    if (map) {
      if (pin) pin.setLatLng([la, lo]);
      else pin = window.L.circleMarker([la, lo], { radius: 9, color: "#b00020", fillColor: "#b00020", fillOpacity: 0.8 }).addTo(map);
    }
    pinStatus.textContent = L.pin_set || "";
    checkNearby();
  }
  if (map) map.on("click", function (e) { setPin(e.latlng.lat, e.latlng.lng); });
  if (lat.value && lon.value) setPin(parseFloat(lat.value), parseFloat(lon.value));
  document.getElementById("use-position").addEventListener("click", function () {
    if (!navigator.geolocation) return;
    pinStatus.textContent = L.locating || "";
    navigator.geolocation.getCurrentPosition(function (p) {
      setPin(p.coords.latitude, p.coords.longitude);
      if (map) map.setView([p.coords.latitude, p.coords.longitude], 14);
    }, function () { pinStatus.textContent = L.no_position || ""; }, { enableHighAccuracy: true, timeout: 10000 });
  });
  form.elements.category.addEventListener("change", checkNearby);

  function checkNearby() {
    var box = document.getElementById("nearby");
    var cat = form.elements.category.value;
    if (!cat || !lat.value || !navigator.onLine) { box.hidden = true; return; }
    var url = P.config.api + "/reports/nearby?lat=" + lat.value + "&lon=" + lon.value + "&category=" + encodeURIComponent(cat);
    fetch(url, { credentials: "omit" }).then(function (r) { return r.ok ? r.json() : []; }).then(function (rows) {
      box.textContent = "";
      if (!rows.length) { box.hidden = true; return; }
      var p = document.createElement("p"); p.textContent = L.nearby || ""; box.appendChild(p);
      var ul = document.createElement("ul");
      rows.forEach(function (r) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = "/lacak/" + r.tracking_code + "/"; a.textContent = r.tracking_code; a.className = "code";
        li.appendChild(a);
        li.appendChild(document.createTextNode(" · " + r.category_label + " · " + r.status_label + " · " + r.distance_m + " " + (L.distance || "m")));
        ul.appendChild(li);
      });
      box.appendChild(ul); box.hidden = false;
    }).catch(function () { box.hidden = true; });
  }

  function show(text, cls) { status.textContent = text; status.className = "p-status " + (cls || ""); }

  function item() {
    var fields = {}, files = [];
    ["key", "device", "category", "description", "lat", "lon", "address", "rt", "rw", "reporter_name",
      "reporter_phone", "reporter_dob"].forEach(function (n) { fields[n] = form.elements[n].value; });
    fields.kind = (form.querySelector("input[name=kind]:checked") || {}).value || "laporan";
    if (form.elements.use_photo_location.checked) fields.use_photo_location = "1";
    if (form.elements.without_identity.checked) fields.without_identity = "1";
    Array.prototype.forEach.call(form.elements.photos.files || [], function (f) {
      files.push({ name: f.name, type: f.type, blob: f });
    });
    return { key: fields.key, type: "form", url: P.config.api + "/reports", fields: fields, files: files, at: Date.now() };
  }

  function queued(it) {
    return P.queue(it).then(function () {
      show(L.queued || "Queued", "ok");
      P.banner(L.queued || "");
      form.reset(); form.elements.key.value = P.uuid(); form.elements.device.value = P.deviceId();
      lat.value = ""; lon.value = "";
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var it = item();
    if (!navigator.onLine) { queued(it); return; }
    show(L.sending || "…");
    P.send(it).then(function (res) {
      if (res.ok) {
        P.remember(res.body.tracking_code);
        window.location.assign(res.body.track_url + "?baru=1");
      } else if (res.status >= 500 || res.status === 429) {
        queued(it);
      } else {
        show((L.error || "Error:") + " " + (res.body.detail || res.status), "error");
        var f = res.body.field && form.elements[res.body.field];
        if (f && f.focus) f.focus();
      }
    }, function () { queued(it); });
  });

  document.addEventListener("siaga:sent", function (ev) {
    var code = ev.detail.body.tracking_code;
    if (!code) return;
    status.textContent = (L.sent_queued || "Sent:") + " ";
    var a = document.createElement("a"); a.href = "/lacak/" + code + "/"; a.textContent = code; a.className = "code";
    status.appendChild(a); status.className = "p-status ok";
  });
})();
