/* SOS: one tap → position → POST (idempotent key); then a location update every 10 s while open.
   Escort me: a countdown held by the server too, so it fires even if this page is closed. */
(function () {
  "use strict";
  var P = window.SiagaPortal, L = P.labels, API = P.config.api;
  var form = document.getElementById("sos-form");
  if (!form) return;
  var btn = document.getElementById("sos-button"), out = document.getElementById("sos-status");
  var near = document.getElementById("sos-nearest");
  // a fresh key per page load: a page served from the offline cache must not reuse an old key
  var key = P.uuid(), last = null, pinger = null;
  form.elements.key.value = key;
  form.elements.device.value = P.deviceId();

  function say(text, cls) { out.textContent = text; out.className = "p-status " + (cls || ""); }
  function phone() { return (form.elements.phone.value || "").trim(); }
  function position(timeoutMs) {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve(null); return; }
      var done = false, timer = setTimeout(function () { if (!done) { done = true; resolve(last); } }, timeoutMs);
      navigator.geolocation.getCurrentPosition(function (p) {
        if (done) return; done = true; clearTimeout(timer);
        last = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy };
        resolve(last);
      }, function () { if (!done) { done = true; clearTimeout(timer); resolve(last); } },
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 30000 });
    });
  }
  function showNearest(pos) {
    if (!pos || !near) return;
    var rows = P.nearestStations(pos.lat, pos.lon, 2, "polsek");
    if (!rows.length) rows = P.nearestStations(pos.lat, pos.lon, 2);
    if (!rows.length) return;
    near.textContent = "";
    rows.forEach(function (r) { near.appendChild(P.stationItem(r.s, r.d)); });
  }
  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (b) { return { ok: r.ok, status: r.status, body: b }; }); });
  }
  function startPings() {
    if (pinger || !navigator.geolocation) return;
    navigator.geolocation.watchPosition(function (p) {
      last = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy };
    }, function () { /* keep the last fix */ }, { enableHighAccuracy: true, maximumAge: 5000 });
    pinger = setInterval(function () {
      if (!last || !navigator.onLine) return;
      post(API + "/sos/" + encodeURIComponent(key) + "/location", last).catch(function () { /* next time */ });
    }, 10000);
  }

  function raise(kindKey) {
    btn.disabled = true;
    say(L.locating || "…");
    return position(4000).then(function (pos) {
      showNearest(pos);
      var body = { key: kindKey || key, phone: phone(), device: P.deviceId() };
      if (pos) { body.lat = pos.lat; body.lon = pos.lon; body.accuracy = pos.accuracy; }
      else say(L.no_position || "");
      var item = { key: body.key, type: "json", url: API + "/sos", body: body, at: Date.now() };
      if (!navigator.onLine) {
        return P.queue(item).then(function () { say(L.sos_queued || "", "error"); });
      }
      return P.send(item).then(function (res) {
        if (res.ok) {
          say((L.sos_sent || "") + " " + (L.sharing || ""), "ok");
          (res.body.nearest || []).length && showNearest(pos);
          startPings();
        } else {
          say((L.sos_failed || "") + " " + (res.body.detail || ""), "error");
          btn.disabled = false;
        }
      }, function () {
        return P.queue(item).then(function () { say(L.sos_queued || "", "error"); });
      });
    });
  }

  form.addEventListener("submit", function (ev) { ev.preventDefault(); raise(); });
  document.addEventListener("siaga:sent", function (ev) {
    if (ev.detail.item.type === "json") { say((L.sos_sent || "") + " " + (L.sharing || ""), "ok"); startPings(); }
  });
  position(8000).then(showNearest);

  /* --- escort me --- */
  var eStart = document.getElementById("escort-start"), eCancel = document.getElementById("escort-cancel");
  var eOut = document.getElementById("escort-status"), eKey = null, eTimer = null, eDeadline = 0;
  function tick() {
    var left = Math.max(0, Math.round((eDeadline - Date.now()) / 1000));
    eOut.textContent = (L.escort_running || "") + " " + Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
    if (left <= 0) {
      clearInterval(eTimer); eTimer = null;
      eOut.textContent = L.escort_fired || "";
      eCancel.hidden = true;
      post(API + "/escort/" + encodeURIComponent(eKey) + "/fire", {}).catch(function () { /* the server fires it anyway */ });
      startPings();
    } else if (left % 10 === 0 && last && navigator.onLine) {
      post(API + "/escort/" + encodeURIComponent(eKey) + "/location", last).catch(function () { /* next */ });
    }
  }
  eStart.addEventListener("click", function () {
    var minutes = parseInt(document.getElementById("escort-min").value, 10);
    eKey = P.uuid();
    position(4000).then(function (pos) {
      var body = { key: eKey, minutes: minutes, phone: phone(), device: P.deviceId() };
      if (pos) { body.lat = pos.lat; body.lon = pos.lon; body.accuracy = pos.accuracy; }
      return post(API + "/escort", body).then(function (res) {
        if (!res.ok) { eOut.textContent = (L.error || "") + " " + (res.body.detail || res.status); return; }
        eDeadline = Date.parse(res.body.deadline_at);
        eStart.disabled = true; eCancel.hidden = false;
        tick(); eTimer = setInterval(tick, 1000);
        if (navigator.geolocation) navigator.geolocation.watchPosition(function (p) {
          last = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy };
        }, function () { /* keep */ }, { enableHighAccuracy: true, maximumAge: 5000 });
      });
    }).catch(function () { eOut.textContent = L.sos_failed || ""; });
  });
  eCancel.addEventListener("click", function () {
    post(API + "/escort/" + encodeURIComponent(eKey) + "/cancel", {}).then(function (res) {
      if (res.ok) {
        clearInterval(eTimer); eTimer = null;
        eOut.textContent = L.escort_cancelled || ""; eCancel.hidden = true; eStart.disabled = false;
      } else {
        eOut.textContent = (res.body.detail || res.status) + "";
      }
    });
  });
})();
