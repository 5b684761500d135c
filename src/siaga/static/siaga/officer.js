/* Officer view (mobile first): the unit's current assignment with navigation links, big status
   buttons, position sharing from the phone (watchPosition, sent every ~15 s while on), a short field
   report, and a PANIC button that must be held (pointer or Space/Enter) before it fires. */
(function () {
  "use strict";
  var O = window.SiagaOps;
  var el = document.getElementById("officer");
  if (!O || !el) return;
  var cfg = O.cfg, T = O.T, esc = O.esc, api = O.api;
  var unitId = cfg.unit_id;
  var unit = null, incident = null, fix = null, lastSent = 0, watchId = null;
  var $ = function (id) { return document.getElementById(id); };

  function say(text, bad) { var m = $("off-msg"); m.textContent = text; m.classList.toggle("error", !!bad); }

  function load() {
    return O.get(api("/units")).then(function (list) {
      unit = list.filter(function (u) { return u.id === unitId; })[0] || null;
      if (!unit) throw new Error(T.error);
      $("off-status").textContent = O.unitStatusLabel(unit.status);
      el.dataset.status = unit.status;
      buttons();
      if (!unit.incident_id) { incident = null; renderAssignment(); return null; }
      return O.get(api("/incidents/" + unit.incident_id)).then(function (i) { incident = i; renderAssignment(); });
    }).then(function () { el.dataset.ready = "1"; }).catch(function (e) { say(e.message || T.error, true); });
  }

  function buttons() {
    var next = cfg.unit_next[unit.status] || [];
    document.querySelectorAll(".off-buttons [data-status]").forEach(function (b) {
      var ok = next.indexOf(b.dataset.status) >= 0;
      b.disabled = !ok;
      b.classList.toggle("current", b.dataset.status === unit.status);
    });
    $("off-note-form").querySelector("button").disabled = !incident && !unit.incident_id;
  }

  function navLinks(i) {
    if (i.lat === null || i.lon === null) return "";
    var to = i.lat.toFixed(6) + "," + i.lon.toFixed(6);
    var from = (fix ? fix.lat + "," + fix.lon : unit && unit.lat !== null ? unit.lat.toFixed(6) + "," + unit.lon.toFixed(6) : "");
    var osm = from
      ? "https://www.openstreetmap.org/directions?engine=fossgis_osrm_car&route=" + encodeURIComponent(from + ";" + to)
      : "https://www.openstreetmap.org/?mlat=" + i.lat.toFixed(6) + "&mlon=" + i.lon.toFixed(6) + "#map=17/" + to.replace(",", "/");
    return '<p class="nav"><a class="btn big" id="off-geo-link" href="geo:' + to + "?q=" + to + '">' + esc(T.navigate) + "</a> " +
      '<a class="btn big" id="off-osm-link" href="' + esc(osm) + '" target="_blank" rel="noopener">' + esc(T.osm) + "</a></p>";
  }

  function renderAssignment() {
    var box = $("off-assignment");
    if (!incident) { box.innerHTML = '<p class="muted">' + esc(T.no_assignment) + "</p>"; buttons(); return; }
    var i = incident;
    box.innerHTML =
      '<p class="off-inc"><span class="prio p' + i.priority + '">P' + i.priority + "</span> <strong>" + esc(i.number) + "</strong> · " +
      esc(O.catLabel(i.category)) + "</p>" +
      (i.summary ? "<p>" + esc(i.summary) + "</p>" : "") +
      "<p><strong>" + esc(O.placeLabel(i)) + "</strong>" + (i.address ? "<br>" + esc(i.address) : "") + "</p>" +
      "<p class='muted'>" + esc(O.statusLabel(i.status)) + " · " + esc(T.dispatched_at) + " " + O.fmtTime(i.dispatched_at) + "</p>" +
      navLinks(i);
    buttons();
  }

  document.querySelectorAll(".off-buttons [data-status]").forEach(function (b) {
    b.addEventListener("click", function () {
      var body = { status: b.dataset.status };
      if (fix) { body.lat = fix.lat; body.lon = fix.lon; }
      b.disabled = true;
      O.post(api("/units/" + unitId + "/status"), body).then(function (u) {
        say(T.status_set + " " + O.unitStatusLabel(b.dataset.status === "cleared" ? "cleared" : u.status));
        return load();
      }).catch(function (e) { say(e.message || T.error, true); load(); });
    });
  });

  /* --- position sharing ---------------------------------------------------------------------- */
  function send(force) {
    if (!fix) return;
    var now = Date.now();
    if (!force && now - lastSent < cfg.position_every_ms) return;
    lastSent = now;
    O.post(api("/units/" + unitId + "/position"), { lat: fix.lat, lon: fix.lon, at: new Date(fix.at).toISOString() })
      .then(function () { $("off-geo").textContent = T.last_fix + ": " + O.fmtTime(new Date(fix.at).toISOString()) + " (" + fix.lat.toFixed(5) + ", " + fix.lon.toFixed(5) + ")"; })
      .catch(function (e) { $("off-geo").textContent = e.message || T.error; });
  }
  setInterval(function () { if (watchId !== null) send(false); }, 5000);
  $("off-share").addEventListener("change", function (e) {
    if (!e.target.checked) {
      if (watchId !== null && navigator.geolocation) navigator.geolocation.clearWatch(watchId);
      watchId = null;
      $("off-geo").textContent = T.share_off;
      return;
    }
    if (!navigator.geolocation) { $("off-geo").textContent = T.geo_none; e.target.checked = false; return; }
    $("off-geo").textContent = T.share_on;
    var first = true;
    watchId = navigator.geolocation.watchPosition(function (p) {
      fix = { lat: p.coords.latitude, lon: p.coords.longitude, at: p.timestamp || Date.now() };
      send(first);
      first = false;
    }, function () {
      $("off-geo").textContent = T.geo_denied;
      e.target.checked = false;
      watchId = null;
    }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 });
  });

  /* --- field report -------------------------------------------------------------------------- */
  $("off-note-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var t = $("off-note").value.trim();
    var id = incident ? incident.id : unit && unit.incident_id;
    if (!t || !id) return;
    O.post(api("/incidents/" + id + "/notes"), { text: "[" + cfg.callsign + "] " + t }).then(function () {
      $("off-note").value = "";
      say(T.note_sent);
    }).catch(function (err) { say(err.message || T.error, true); });
  });

  /* --- panic: hold to fire --------------------------------------------------------------------- */
  var btn = $("off-panic"), holdTimer = null, fired = false;
  function startHold() {
    if (holdTimer || fired) return;
    btn.classList.add("holding");
    btn.style.setProperty("--hold", cfg.panic_hold_ms + "ms");
    say(T.hold);
    holdTimer = setTimeout(fire, cfg.panic_hold_ms);
  }
  function cancelHold() {
    if (!holdTimer) return;
    clearTimeout(holdTimer);
    holdTimer = null;
    btn.classList.remove("holding");
    if (!fired) say("");
  }
  function fire() {
    holdTimer = null;
    fired = true;
    btn.classList.remove("holding");
    btn.classList.add("fired");
    var body = fix ? { lat: fix.lat, lon: fix.lon } : {};
    O.post(api("/units/" + unitId + "/panic"), body).then(function (i) {
      say(T.panic_sent + " " + i.number);
      el.dataset.panic = i.number;
    }).catch(function (e) { say(e.message || T.error, true); })
      .then(function () { setTimeout(function () { fired = false; btn.classList.remove("fired"); }, 5000); });
  }
  btn.addEventListener("pointerdown", function (e) { e.preventDefault(); startHold(); });
  ["pointerup", "pointerleave", "pointercancel"].forEach(function (n) { btn.addEventListener(n, cancelHold); });
  btn.addEventListener("keydown", function (e) {
    if ((e.key === " " || e.key === "Enter") && !e.repeat) { e.preventDefault(); startHold(); }
  });
  btn.addEventListener("keyup", function (e) { if (e.key === " " || e.key === "Enter") cancelHold(); });
  btn.addEventListener("contextmenu", function (e) { e.preventDefault(); });

  var debounce = O.debouncer(250);
  O.connection(function (ev) {
    var mine = (ev.object_type === "cad.unit" && Number(ev.object_id) === unitId && ev.name !== "cad.unit.position") ||
      (ev.object_type === "cad.incident" && incident && Number(ev.object_id) === incident.id);
    if (mine) debounce("load", load);
  }, load);
  load();
})();
