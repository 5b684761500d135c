/* Operations room. Two parts:
   1. window.SiagaOps — helpers shared by the room, the intake screen and the officer view: JSON calls
      with the CSRF header, the WebSocket with a polling fallback and a connection indicator, timers,
      the alert sound and banner.
   2. The live room itself (runs only on a page with #ops-room).
   Config comes from the json_script #ops-config, strings from #ops-labels (Bahasa Indonesia by
   default); no inline script and no eval (the CSP forbids both). */
(function () {
  "use strict";
  var cfgEl = document.getElementById("ops-config");
  if (!cfgEl) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var T = JSON.parse(document.getElementById("ops-labels").textContent);
  var LOCALE = document.documentElement.lang === "en" ? "en-GB" : "id-ID";
  var root = document.querySelector("[data-csrf]");
  var CSRF = root ? root.dataset.csrf : "";

  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function ApiError(status, body) {
    this.status = status;
    this.body = body || {};
    this.message = (body && body.detail) || String(status);
  }

  function request(method, url, body, headers) {
    var h = { Accept: "application/json" };
    if (method !== "GET") { h["X-CSRFToken"] = CSRF; h["Content-Type"] = "application/json"; }
    Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
    return fetch(url, {
      method: method, credentials: "same-origin", headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (r) {
      return r.text().then(function (t) {
        var data = null;
        try { data = t ? JSON.parse(t) : null; } catch (e) { data = { detail: t.slice(0, 200) }; }
        if (!r.ok) throw new ApiError(r.status, data);
        return data;
      });
    });
  }
  function get(url) { return request("GET", url); }
  function post(url, body, headers) { return request("POST", url, body || {}, headers); }
  function api(path) { return cfg.api + path; }

  function secondsSince(iso, now) {
    if (!iso) return null;
    return Math.max(0, ((now || Date.now()) - Date.parse(iso)) / 1000);
  }
  function fmtDur(s) {
    if (s === null || s === undefined || isNaN(s)) return "–";
    s = Math.floor(s);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(sec).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }
  function fmtTime(iso) {
    if (!iso) return "–";
    return new Date(iso).toLocaleTimeString(LOCALE, { timeZone: cfg.zone, hour12: false });
  }
  function fmtDateTime(iso) {
    if (!iso) return "–";
    return new Date(iso).toLocaleString(LOCALE, { timeZone: cfg.zone, hour12: false });
  }
  /* "" within 75% of the target, "amber" up to the target, "red" beyond it. */
  function level(elapsed, target) {
    if (elapsed === null || !target) return "";
    if (elapsed > target) return "red";
    if (elapsed >= 0.75 * target) return "amber";
    return "";
  }

  var CATS = {};
  (cfg.categories || []).forEach(function (c) { CATS[c.code] = c; });
  function catLabel(code) { return CATS[code] ? CATS[code].label : code; }
  var NAMES = cfg.names || { kelurahan: {}, kecamatan: {}, polsek: {} };
  function placeLabel(x) {
    var kel = NAMES.kelurahan[x.kelurahan_code] || x.kelurahan_code || "";
    var rtrw = x.rt ? "RT " + String(x.rt).padStart(3, "0") + "/RW " + String(x.rw).padStart(3, "0")
      : x.rw ? "RW " + String(x.rw).padStart(3, "0") : "";
    return [kel, rtrw].filter(Boolean).join(" · ") || x.address || "–";
  }
  function statusLabel(s) { return T["status_" + s] || s; }
  function unitStatusLabel(s) { return T["unit_" + s] || s; }

  /* --- sound and banner -------------------------------------------------------------------- */
  var audio = null;
  var muted = localStorage.getItem("siaga.mute") === "1";
  function unlockAudio() {
    if (audio || !(window.AudioContext || window.webkitAudioContext)) return;
    try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
  }
  document.addEventListener("keydown", unlockAudio, { once: true });
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  function beep(kind) {
    if (muted || !audio) return;
    var pattern = kind === "panic" ? [880, 660, 880, 660, 880] : kind === "ring" ? [520] : [740, 988];
    var t = audio.currentTime;
    pattern.forEach(function (f, i) {
      var o = audio.createOscillator(), g = audio.createGain();
      o.type = kind === "panic" ? "square" : "sine";
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, t + i * 0.22);
      g.gain.exponentialRampToValueAtTime(0.25, t + i * 0.22 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.22 + 0.2);
      o.connect(g); g.connect(audio.destination);
      o.start(t + i * 0.22); o.stop(t + i * 0.22 + 0.21);
    });
  }
  var muteBtn = document.getElementById("ops-mute");
  function showMute() {
    if (!muteBtn) return;
    muteBtn.setAttribute("aria-pressed", muted ? "true" : "false");
    muteBtn.textContent = muted ? T.unmute : T.mute;
  }
  function toggleMute() {
    muted = !muted;
    localStorage.setItem("siaga.mute", muted ? "1" : "0");
    showMute();
  }
  if (muteBtn) { muteBtn.addEventListener("click", toggleMute); showMute(); }

  function banner(text, kind) {
    var el = document.getElementById("ops-alert");
    if (!el) return;
    document.getElementById("ops-alert-text").textContent = text;
    el.dataset.kind = kind || "p1";
    el.hidden = false;
    beep(kind === "panic" ? "panic" : "p1");
  }
  var alertClose = document.getElementById("ops-alert-close");
  if (alertClose) alertClose.addEventListener("click", function () { document.getElementById("ops-alert").hidden = true; });

  /* --- live connection: WebSocket push, polling fallback --------------------------------- */
  function connection(onEvent, resync) {
    var ind = document.getElementById("ops-conn");
    var sock = null, pollTimer = null, retry = 1000, state = "";
    function show(s) {
      state = s;
      if (!ind) return;
      ind.dataset.state = s;
      ind.textContent = T[s] || s;
    }
    function startPolling() {
      if (pollTimer) return;
      pollTimer = setInterval(function () {
        resync().then(function () { if (state === "offline") show("polling"); })
          .catch(function () { show("offline"); });
      }, cfg.poll_ms || 5000);
    }
    function stopPolling() { if (pollTimer) { clearInterval(pollTimer); pollTimer = null; } }
    function open() {
      var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + cfg.ws_path;
      try { sock = new WebSocket(url); } catch (e) { sock = null; }
      if (!sock) { show("polling"); startPolling(); return; }
      sock.onopen = function () { retry = 1000; show("live"); stopPolling(); resync().catch(function () {}); };
      sock.onmessage = function (m) {
        var ev;
        try { ev = JSON.parse(m.data); } catch (e) { return; }
        if (Array.isArray(ev)) ev.forEach(onEvent);  // many events of one commit (a device batch) in one frame
        else onEvent(ev);
      };
      sock.onclose = function () {
        show("polling");
        startPolling();
        setTimeout(open, retry);
        retry = Math.min(retry * 2, 30000);
      };
    }
    show("polling");
    startPolling();
    open();
    // a slow full resync even while the socket is open: a missed event cannot leave the view stale
    setInterval(function () { if (state === "live") resync().catch(function () {}); }, 30000);
    return { state: function () { return state; } };
  }

  /* Debounced refetch per key: many events for one object become one request. */
  function debouncer(ms) {
    var timers = {};
    return function (key, fn) {
      clearTimeout(timers[key]);
      timers[key] = setTimeout(function () { delete timers[key]; fn(); }, ms);
    };
  }

  /* The call strip shared by the room and the intake screen. */
  function renderCalls(ul, items, now) {
    if (!ul) return;
    if (!items.length) {
      ul.innerHTML = '<li class="empty">' + esc(T.no_calls) + "</li>";
      return;
    }
    var target = cfg.targets.answer_s;
    ul.innerHTML = items.map(function (q) {
      var c = q.call;
      var ringing = c.status === "ringing";
      var s = ringing ? secondsSince(c.received_at, now) : q.ringing_s;
      var lv = ringing ? level(s, target) : "";
      var cls = ["call", c.status, lv, ringing && s > target ? "overdue" : "", c.escalation_level ? "escalated" : ""];
      return '<li class="' + cls.join(" ") + '" data-call="' + c.id + '" data-received="' + esc(c.received_at) + '">' +
        '<span class="num">' + esc(c.caller_number || "–") + "</span> " +
        '<span class="st">' + esc(ringing ? T.ringing : T.answered) + "</span> " +
        '<span class="timer">' + fmtDur(s) + "</span>" +
        (c.escalation_level ? ' <span class="esc">' + esc(T.escalated) + " " + esc(c.escalation_level) + "</span>" : "") +
        "</li>";
    }).join("");
  }
  function tickCalls(ul, now) {
    if (!ul) return;
    var target = cfg.targets.answer_s;
    ul.querySelectorAll("li.call.ringing").forEach(function (li) {
      var s = secondsSince(li.dataset.received, now);
      li.querySelector(".timer").textContent = fmtDur(s);
      li.classList.toggle("amber", level(s, target) === "amber");
      li.classList.toggle("red", s > target);
      li.classList.toggle("overdue", s > target);
    });
  }

  function announce(text) {
    var el = document.getElementById("ops-announce");
    if (el) el.textContent = text;
  }

  function isTyping(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  /* Vector base map: the kecamatan outlines of the Polres (no tiles needed). */
  function baseMap(el, opts) {
    var map = L.map(el, Object.assign({ zoomControl: true, attributionControl: false, zoomSnap: 0.25, minZoom: 9 }, opts || {}));
    var bbox = (root && root.dataset.bbox) ? root.dataset.bbox.split(",").map(Number) : null;
    if (bbox) map.fitBounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]], { animate: false, padding: [6, 6] });
    else map.setView([-6.27, 106.99], 12);
    var url = cfg.areas_url + "?level=kecamatan" + (cfg.region ? "&parent=" + encodeURIComponent(cfg.region) : "");
    get(url).then(function (fc) {
      fc.features = fc.features.filter(function (f) { return f.geometry; });
      var layer = L.geoJSON(fc, {
        interactive: false,
        style: { color: "#4a5a70", weight: 1.5, fillColor: "#dfe7f1", fillOpacity: 0.35 },
        onEachFeature: function (f, lyr) {
          lyr.bindTooltip(esc(f.properties.name), { permanent: true, direction: "center", className: "kec-label" });
        },
      }).addTo(map);
      layer.bringToBack();
      if (!bbox && fc.features.length) map.fitBounds(layer.getBounds(), { animate: false });
      el.dataset.outline = String(fc.features.length);
    }).catch(function () { el.dataset.outline = "0"; });
    return map;
  }

  window.SiagaOps = {
    cfg: cfg, T: T, esc: esc, get: get, post: post, api: api, ApiError: ApiError,
    secondsSince: secondsSince, fmtDur: fmtDur, fmtTime: fmtTime, fmtDateTime: fmtDateTime, level: level,
    catLabel: catLabel, placeLabel: placeLabel, statusLabel: statusLabel, unitStatusLabel: unitStatusLabel,
    beep: beep, banner: banner, toggleMute: toggleMute, connection: connection, debouncer: debouncer,
    renderCalls: renderCalls, tickCalls: tickCalls, announce: announce, isTyping: isTyping, baseMap: baseMap,
    names: NAMES,
  };

  /* ====================================================================================== */
  /* The live room                                                                           */
  /* ====================================================================================== */
  var roomEl = document.getElementById("ops-room");
  if (!roomEl || typeof L === "undefined") return;

  var incidents = {};   // id -> IncidentOut
  var units = {};       // id -> UnitOut
  var calls = [];
  var selected = null;  // incident id highlighted in the board
  var detailId = null;  // incident id open in the panel
  var detail = null;
  var filter = "";
  var alerted = {};     // incident ids already alerted
  var loaded = false;

  var map = baseMap(document.getElementById("ops-map"));
  var incLayer = L.layerGroup().addTo(map);
  var unitLayer = L.layerGroup().addTo(map);
  var incMarkers = {}, unitMarkers = {};
  var GLYPH = { r4: "R4", r2: "R2", foot: "JK", post: "POS", team: "TIM" };
  var UNIT_ORDER = { on_scene: 1, en_route: 2, dispatched: 3, available: 4, out_of_service: 5, off_duty: 6 };

  function matches(text) { return !filter || text.toLowerCase().indexOf(filter) >= 0; }
  function incidentText(i) {
    return [i.number, i.category, catLabel(i.category), placeLabel(i), i.summary, statusLabel(i.status)].join(" ");
  }
  function sortedIncidents() {
    return Object.keys(incidents).map(function (k) { return incidents[k]; })
      .filter(function (i) { return matches(incidentText(i)); })
      .sort(function (a, b) { return (a.priority - b.priority) || (Date.parse(a.received_at) - Date.parse(b.received_at)); });
  }
  function incidentOf(unitId) {
    var u = units[unitId];
    return u && u.incident_id ? incidents[u.incident_id] : null;
  }

  function timerFor(i, now) {
    if (i.status === "on_scene") return { s: secondsSince(i.on_scene_at, now), lv: "", label: T.on_scene_for };
    if (i.status === "cleared") return { s: secondsSince(i.cleared_at, now), lv: "", label: statusLabel("cleared") };
    if (i.dispatched_at && (i.status === "dispatched" || i.status === "en_route")) {
      var d = secondsSince(i.dispatched_at, now);
      return { s: d, lv: level(d, cfg.targets.on_scene_s), label: T.since_dispatched };
    }
    var r = secondsSince(i.received_at, now);
    var a = secondsSince(i.answered_at || i.received_at, now);
    return { s: r, lv: level(a, cfg.targets.dispatch_s), label: T.since_received };
  }

  function renderIncidents() {
    var tbody = document.querySelector("#ops-incidents tbody");
    var list = sortedIncidents();
    var now = Date.now();
    document.getElementById("ops-inc-count").textContent = "(" + list.length + ")";
    if (!list.length) {
      tbody.innerHTML = '<tr class="empty"><td colspan="6">' + esc(T.no_incidents) + "</td></tr>";
    } else {
      tbody.innerHTML = list.map(function (i) {
        var t = timerFor(i, now);
        var cls = ["inc", "p" + i.priority, i.panic ? "panic" : "", i.id === selected ? "sel" : "", i.id === detailId ? "open" : ""];
        return '<tr class="' + cls.join(" ") + '" data-id="' + i.id + '" tabindex="' + (i.id === selected ? "0" : "-1") +
          '" aria-selected="' + (i.id === selected) + '">' +
          '<td class="no">' + esc(i.number) + "</td>" +
          '<td><span class="prio p' + i.priority + '">P' + i.priority + "</span></td>" +
          "<td>" + esc(catLabel(i.category)) + (i.panic ? ' <strong class="panic-tag">' + esc(T.panic) + "</strong>" : "") + "</td>" +
          "<td>" + esc(placeLabel(i)) + "</td>" +
          '<td><span class="status s-' + i.status + '">' + esc(statusLabel(i.status)) + "</span></td>" +
          '<td class="timer ' + t.lv + '" title="' + esc(t.label) + '">' + fmtDur(t.s) + "</td></tr>";
      }).join("");
    }
    if (selected && !incidents[selected]) selected = null;
    drawIncidentMarkers();
  }

  function renderUnits() {
    var tbody = document.querySelector("#ops-units tbody");
    var list = Object.keys(units).map(function (k) { return units[k]; })
      .filter(function (u) { return matches([u.callsign, u.kind, unitStatusLabel(u.status)].join(" ")); })
      .sort(function (a, b) { return (UNIT_ORDER[a.status] || 9) - (UNIT_ORDER[b.status] || 9) || a.callsign.localeCompare(b.callsign); });
    document.getElementById("ops-unit-count").textContent = "(" + list.length + ")";
    tbody.innerHTML = list.map(function (u) {
      var inc = u.incident_id ? incidents[u.incident_id] : null;
      return '<tr class="unit" data-unit="' + u.id + '">' +
        "<td>" + esc(u.callsign) + "</td><td>" + esc(GLYPH[u.kind] || u.kind) + "</td>" +
        '<td><span class="ustatus u-' + u.status + '">' + esc(unitStatusLabel(u.status)) + "</span></td>" +
        "<td>" + (inc ? '<a href="#' + inc.id + '" data-open="' + inc.id + '">' + esc(inc.number) + "</a>" : u.incident_id ? "#" + u.incident_id : "") + "</td></tr>";
    }).join("");
    drawUnitMarkers();
  }

  function incIcon(i) {
    var cls = "inc-marker p" + i.priority + (i.priority === 1 && i.status !== "cleared" ? " pulse" : "") + (i.panic ? " panic" : "");
    return L.divIcon({ className: cls, html: "<span>" + i.priority + "</span>", iconSize: [22, 22], iconAnchor: [11, 11] });
  }
  function drawIncidentMarkers() {
    var seen = {};
    Object.keys(incidents).forEach(function (k) {
      var i = incidents[k];
      if (i.lat === null || i.lon === null) return;
      seen[k] = true;
      var m = incMarkers[k];
      var key = i.priority + i.status + i.panic + (i.id === detailId);
      if (!m) {
        m = L.marker([i.lat, i.lon], { icon: incIcon(i), keyboard: false, zIndexOffset: 1000 });
        m.on("click", function () { openDetail(i.id); });
        m.addTo(incLayer);
        incMarkers[k] = m;
      } else {
        m.setLatLng([i.lat, i.lon]);
        if (m._key !== key) m.setIcon(incIcon(i));
      }
      m._key = key;
      m.bindTooltip(esc(i.number + " · " + catLabel(i.category)));
    });
    Object.keys(incMarkers).forEach(function (k) {
      if (!seen[k]) { incLayer.removeLayer(incMarkers[k]); delete incMarkers[k]; }
    });
  }
  var BUSY = { dispatched: 1, en_route: 1, on_scene: 1 };
  function unitIcon(u) {
    // units on a job: a labelled badge; idle units: a small dot (so 200 units do not bury the incidents)
    if (BUSY[u.status]) {
      return L.divIcon({ className: "unit-marker k-" + u.kind + " u-" + u.status, html: "<span>" + esc(GLYPH[u.kind] || "?") + "</span>", iconSize: [30, 18], iconAnchor: [15, 9] });
    }
    return L.divIcon({ className: "unit-dot k-" + u.kind + " u-" + u.status, html: "<span></span>", iconSize: [10, 10], iconAnchor: [5, 5] });
  }
  function drawUnitMarkers() {
    var seen = {};
    Object.keys(units).forEach(function (k) {
      var u = units[k];
      if (u.lat === null || u.lon === null) return;
      seen[k] = true;
      var m = unitMarkers[k];
      if (!m) {
        m = L.marker([u.lat, u.lon], { icon: unitIcon(u), keyboard: false, zIndexOffset: BUSY[u.status] ? 400 : 0 });
        m.addTo(unitLayer);
        unitMarkers[k] = m;
      } else {
        m.setLatLng([u.lat, u.lon]);
        if (m._status !== u.status) { m.setIcon(unitIcon(u)); m.setZIndexOffset(BUSY[u.status] ? 400 : 0); }
      }
      m._status = u.status;
      m.bindTooltip(esc(u.callsign + " · " + unitStatusLabel(u.status)));
    });
    Object.keys(unitMarkers).forEach(function (k) {
      if (!seen[k]) { unitLayer.removeLayer(unitMarkers[k]); delete unitMarkers[k]; }
    });
  }

  function maybeAlert(i, fresh) {
    if (!loaded || alerted[i.id] || i.status === "closed") return;
    if (i.panic) {
      alerted[i.id] = true;
      banner(T.panic_alert + " · " + i.number + " · " + (i.summary || "") + " · " + placeLabel(i), "panic");
    } else if (i.priority === 1 && fresh) {
      alerted[i.id] = true;
      banner(T.p1_alert + " · " + i.number + " · " + catLabel(i.category) + " · " + placeLabel(i), "p1");
    }
  }

  function upsertIncident(i) {
    var fresh = !incidents[i.id];
    if (i.status === "closed") { delete incidents[i.id]; return; }
    incidents[i.id] = i;
    maybeAlert(i, fresh);
    if (fresh && loaded) announce(T.new_incident + ": " + i.number + " P" + i.priority + " " + catLabel(i.category));
  }

  function loadIncidents() {
    return get(api("/incidents?status=open&limit=1000")).then(function (page) {
      var next = {};
      page.items.forEach(function (i) { next[i.id] = true; upsertIncident(i); });
      Object.keys(incidents).forEach(function (k) { if (!next[k]) delete incidents[k]; });
      renderIncidents();
    });
  }
  function loadUnits() {
    return get(api("/units")).then(function (list) {
      units = {};
      list.forEach(function (u) { units[u.id] = u; });
      renderUnits();
    });
  }
  function loadCalls() {
    if (!cfg.perms.calls) return Promise.resolve();
    return get(api("/calls/queue")).then(function (q) {
      calls = q;
      renderCalls(document.getElementById("ops-calls"), calls);
    });
  }
  function loadAll() {
    var alertsLoad = window.SiagaAlerts ? window.SiagaAlerts.load().catch(function () {}) : null;  // never blocks the room
    return Promise.all([loadIncidents(), loadUnits(), loadCalls(), alertsLoad]).then(function () {
      loaded = true;
      roomEl.dataset.ready = "1";
      if (detailId) return refreshDetail();
      return null;
    });
  }

  function refetchIncident(id) {
    return get(api("/incidents/" + id)).then(function (d) {
      upsertIncident(d);
      renderIncidents();
      renderUnits();
      if (detailId === d.id) { detail = d; renderDetail(); }
    }).catch(function (e) {
      if (e.status === 404) { delete incidents[id]; renderIncidents(); }
    });
  }

  var debounce = debouncer(250);
  function onEvent(ev) {
    if (ev.object_type === "cad.incident") {
      debounce("i" + ev.object_id, function () { refetchIncident(ev.object_id); });
    } else if (ev.object_type === "cad.unit") {
      var u = units[ev.object_id];
      if (ev.name === "cad.unit.position" && u && ev.data) {  // a unit we already see: move it in place
        u.lat = ev.data.lat; u.lon = ev.data.lon;
        drawUnitMarkers();
        return;
      }
      if (ev.name === "cad.unit.panic" && ev.data && ev.data.incident_id) {
        debounce("i" + ev.data.incident_id, function () { refetchIncident(ev.data.incident_id); });
      }
      debounce("units", loadUnits);
      if (detailId) debounce("recs", loadRecs);
    } else if (ev.object_type === "cad.call") {
      debounce("calls", loadCalls);
    } else if (ev.object_type === "ingest.devicealert" && window.SiagaAlerts) {
      window.SiagaAlerts.onEvent(ev);  // device alerts strip (static/ingest/ops-alerts.js)
    }
  }

  /* --- selection and keys ------------------------------------------------------------------ */
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#ops-incidents tbody tr.inc")); }
  function select(id, focus) {
    selected = id;
    rows().forEach(function (r) {
      var on = Number(r.dataset.id) === id;
      r.classList.toggle("sel", on);
      r.setAttribute("aria-selected", on ? "true" : "false");
      r.tabIndex = on ? 0 : -1;
      if (on && focus !== false) { r.focus({ preventScroll: true }); r.scrollIntoView({ block: "nearest" }); }
    });
  }
  function move(step) {
    var rs = rows();
    if (!rs.length) return;
    var ids = rs.map(function (r) { return Number(r.dataset.id); });
    var at = ids.indexOf(selected);
    var next = at < 0 ? (step > 0 ? 0 : ids.length - 1) : Math.min(ids.length - 1, Math.max(0, at + step));
    select(ids[next]);
  }

  document.querySelector("#ops-incidents tbody").addEventListener("click", function (e) {
    var tr = e.target.closest("tr.inc");
    if (!tr) return;
    select(Number(tr.dataset.id));
    openDetail(Number(tr.dataset.id));
  });
  document.querySelector("#ops-units tbody").addEventListener("click", function (e) {
    var a = e.target.closest("[data-open]");
    if (!a) return;
    e.preventDefault();
    openDetail(Number(a.dataset.open));
  });

  var search = document.getElementById("ops-search");
  search.addEventListener("input", function () { filter = search.value.trim().toLowerCase(); renderIncidents(); renderUnits(); });
  document.getElementById("ops-search-form").addEventListener("submit", function (e) { e.preventDefault(); search.blur(); move(1); });
  var helpBtn = document.getElementById("ops-help-btn");
  helpBtn.addEventListener("click", function () {
    var h = document.getElementById("ops-help");
    h.hidden = !h.hidden;
    helpBtn.setAttribute("aria-expanded", h.hidden ? "false" : "true");
  });

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (isTyping(e)) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    var k = e.key;
    if (k === "j" || k === "ArrowDown" && e.target.closest && e.target.closest("#ops-incidents")) { e.preventDefault(); move(1); }
    else if (k === "k" || k === "ArrowUp" && e.target.closest && e.target.closest("#ops-incidents")) { e.preventDefault(); move(-1); }
    else if (k === "Enter" && selected && !e.target.closest("button, a, #ops-detail")) { e.preventDefault(); openDetail(selected); }
    else if (k === "d") { e.preventDefault(); dispatchTop(detailId || selected); }
    else if (k === "/") { e.preventDefault(); search.focus(); search.select(); }
    else if (k === "m") { toggleMute(); }
    else if (k === "Escape") { closeDetail(); }
  });

  /* --- detail panel ------------------------------------------------------------------------ */
  var recs = [];
  var panel = document.getElementById("ops-detail");
  var body = document.getElementById("ops-detail-body");

  function openDetail(id) {
    if (!id) return;
    detailId = id;
    select(id, false);
    panel.hidden = false;
    document.getElementById("ops-grid").classList.add("with-detail");
    map.invalidateSize();
    document.getElementById("ops-detail-h").textContent = (incidents[id] || {}).number || "…";
    body.innerHTML = "<p>" + esc(T.loading) + "</p>";
    refreshDetail().then(function () { panel.focus({ preventScroll: true }); });
    renderIncidents();
  }
  function closeDetail() {
    if (!detailId) return;
    var id = detailId;
    detailId = null; detail = null; recs = [];
    panel.hidden = true;
    document.getElementById("ops-grid").classList.remove("with-detail");
    map.invalidateSize();
    renderIncidents();
    select(id);
  }
  document.getElementById("ops-detail-close").addEventListener("click", closeDetail);

  function refreshDetail() {
    var id = detailId;
    return get(api("/incidents/" + id)).then(function (d) {
      if (detailId !== id) return;
      detail = d;
      if (d.status !== "closed") { incidents[d.id] = d; } else { delete incidents[d.id]; }
      renderDetail();
      renderIncidents();
      return loadRecs();
    }).catch(function (e) { body.innerHTML = '<p class="error">' + esc(e.message || T.error) + "</p>"; });
  }
  function canTakeUnit(d) { return ["created", "dispatched", "en_route", "on_scene"].indexOf(d.status) >= 0 && !d.duplicate_of_id; }
  function loadRecs() {
    if (!detail || !canTakeUnit(detail)) { recs = []; renderRecs(); return Promise.resolve(); }
    var id = detail.id;
    return get(api("/incidents/" + id + "/recommendations?limit=5")).then(function (r) {
      if (!detail || detail.id !== id) return;
      recs = r;
      renderRecs();
    }).catch(function () { recs = []; renderRecs(); });
  }
  function renderRecs() {
    var el = document.getElementById("d-recs");
    if (!el) return;
    if (!detail || !canTakeUnit(detail)) { el.innerHTML = ""; el.parentNode.hidden = true; return; }
    el.parentNode.hidden = false;
    if (!recs.length) { el.innerHTML = "<li>" + esc(T.no_recommendation) + "</li>"; return; }
    el.innerHTML = recs.map(function (r, n) {
      return '<li class="rec">' +
        "<strong>" + esc(r.callsign) + "</strong> <small>" + esc(r.kind.toUpperCase()) + "</small> · ETA " + fmtDur(r.eta_s) +
        " · " + (r.distance_m / 1000).toFixed(1) + " km" +
        '<ul class="reasons">' + r.reasons.map(function (x) { return "<li>" + esc(x) + "</li>"; }).join("") + "</ul>" +
        (cfg.perms.dispatch ? '<button type="button" class="primary" data-act="dispatch" data-unit="' + r.unit_id + '">' +
          esc(T.dispatch) + (n === 0 ? " <kbd>d</kbd>" : "") + "</button>" : "") + "</li>";
    }).join("");
  }

  var STAMPS = [["received_at", "received"], ["answered_at", "answered_at"], ["created_at", "created"],
    ["dispatched_at", "dispatched"], ["en_route_at", "en_route"], ["on_scene_at", "on_scene"],
    ["cleared_at", "cleared"], ["closed_at", "closed"], ["reopened_at", "reopened"]];

  function renderDetail() {
    var d = detail;
    if (!d) return;
    document.getElementById("ops-detail-h").textContent = d.number;
    var h = [];
    h.push('<p class="d-line"><span class="prio p' + d.priority + '">P' + d.priority + "</span> " + esc(catLabel(d.category)) +
      ' · <span class="status s-' + d.status + '">' + esc(statusLabel(d.status)) + "</span>" +
      (d.panic ? ' <strong class="panic-tag">' + esc(T.panic) + "</strong>" : "") + "</p>");
    if (d.summary) h.push('<p class="d-summary">' + esc(d.summary) + "</p>");
    if (d.description && d.description !== d.summary) h.push('<p class="d-desc">' + esc(d.description) + "</p>");
    h.push("<p><strong>" + esc(T.place) + ":</strong> " + esc(placeLabel(d)) + (d.address ? "<br><small>" + esc(d.address) + "</small>" : "") + "</p>");
    // actions valid for the current status only
    if (cfg.perms.change) {
      var next = (cfg.transitions[d.status] || []).filter(function (s) { return s !== "dispatched"; });
      h.push('<div class="d-actions" role="group" aria-label="' + esc(T.actions) + '">');
      if (next.length) h.push("<span>" + esc(T.move_to) + "</span> ");
      next.forEach(function (s) {
        h.push('<button type="button" data-act="transition" data-to="' + s + '">' + esc(statusLabel(s)) + "</button> ");
      });
      if ((d.status === "cleared" || d.status === "closed") && !d.duplicate_of_id) {
        h.push('<form class="d-reopen" data-form="reopen"><label>' + esc(T.reopen_reason) +
          ' <input name="reason" required maxlength="1000"></label> <button type="submit">' + esc(T.reopen) + "</button></form>");
      }
      if (!d.police_reports.length && !d.duplicate_of_id) {
        h.push('<form class="d-lp" data-form="lp"><select name="model" aria-label="' + esc(T.police_report) + '">' +
          '<option value="B">' + esc(T.model_b) + '</option><option value="A">' + esc(T.model_a) + "</option></select> " +
          '<button type="submit">' + esc(T.police_report) + "</button></form>");
      }
      h.push("</div>");
    }
    if (d.police_reports.length) h.push("<p><strong>" + esc(T.reports) + ":</strong> " + d.police_reports.map(esc).join(", ") + "</p>");
    h.push('<p><a href="' + api("/incidents/" + d.id + "/eido") + '" target="_blank" rel="noopener">' + esc(T.eido) + "</a></p>");
    h.push('<section class="d-sec" hidden><h3>' + esc(T.recommendations) + '</h3><ol id="d-recs" class="recs"></ol></section>');
    if (d.assignments.length) {
      h.push('<section class="d-sec"><h3>' + esc(T.units) + '</h3><ul class="d-list">' + d.assignments.map(function (a) {
        return "<li" + (a.active ? ' class="active"' : "") + "><strong>" + esc(a.callsign) + "</strong> · " +
          esc(T.dispatched) + " " + fmtTime(a.dispatched_at) +
          (a.en_route_at ? " · " + esc(T.en_route) + " " + fmtTime(a.en_route_at) : "") +
          (a.on_scene_at ? " · " + esc(T.on_scene) + " " + fmtTime(a.on_scene_at) : "") +
          (a.cleared_at ? " · " + esc(T.cleared) + " " + fmtTime(a.cleared_at) : "") + "</li>";
      }).join("") + "</ul></section>");
    }
    h.push('<section class="d-sec"><h3>' + esc(T.timeline) + '</h3><dl class="timeline">');
    STAMPS.forEach(function (s) {
      if (d[s[0]]) h.push("<dt>" + esc(T[s[1]]) + "</dt><dd>" + fmtDateTime(d[s[0]]) + "</dd>");
    });
    h.push("</dl></section>");
    h.push('<section class="d-sec"><h3>' + esc(T.notes) + '</h3><ul class="d-list">' + d.notes.map(function (n) {
      return "<li><small>" + fmtDateTime(n.created_at) + "</small> " + esc(n.text) + "</li>";
    }).join("") + "</ul>");
    if (cfg.perms.change) {
      h.push('<form data-form="note" class="d-note"><label for="d-note-text" class="visually-hidden">' + esc(T.add_note) + "</label>" +
        '<textarea id="d-note-text" name="text" rows="2" maxlength="4000" placeholder="' + esc(T.note_placeholder) + '"></textarea>' +
        '<button type="submit">' + esc(T.add_note) + "</button></form>");
    }
    h.push("</section>");
    if (d.call_ids.length) h.push('<section class="d-sec"><h3>' + esc(T.calls) + "</h3><p>" + d.call_ids.map(function (c) { return "#" + c; }).join(", ") + "</p></section>");
    if (d.persons.length) h.push('<section class="d-sec"><h3>' + esc(T.persons) + '</h3><ul class="d-list">' + d.persons.map(function (p) {
      return "<li>" + esc(p.role) + ": " + esc(p.name) + (p.nik ? " · NIK " + esc(p.nik) : "") + (p.phone ? " · " + esc(p.phone) : "") + "</li>";
    }).join("") + "</ul></section>");
    if (d.vehicles.length) h.push('<section class="d-sec"><h3>' + esc(T.vehicles) + '</h3><ul class="d-list">' + d.vehicles.map(function (v) {
      return "<li>" + esc(v.role) + ": " + esc(v.plate) + " " + esc(v.kind) + " " + esc(v.description) + "</li>";
    }).join("") + "</ul></section>");
    h.push('<p class="d-msg" role="status" aria-live="polite"></p>');
    body.innerHTML = h.join("");
    renderRecs();
  }

  function msg(text, bad) {
    var el = body.querySelector(".d-msg");
    if (el) { el.textContent = text; el.classList.toggle("error", !!bad); }
  }
  function failed(e) {
    if (e && e.status === 409) { msg((e.message || "") + " " + T.version_conflict, true); return refreshDetail(); }
    msg((e && e.message) || T.error, true);
    return null;
  }

  function dispatch(incidentId, unitId, version) {
    return post(api("/incidents/" + incidentId + "/dispatch"), { unit_id: unitId, version: version })
      .then(function (a) {
        announce(a.callsign + " " + T.dispatched_to + " " + ((incidents[incidentId] || {}).number || ""));
        return Promise.all([refetchIncident(incidentId), loadUnits()]).then(function () {
          if (detailId === incidentId) { msg(a.callsign + " " + T.dispatched_to + " " + detail.number); return loadRecs(); }
          return null;
        });
      });
  }
  function dispatchTop(id) {
    if (!id || !cfg.perms.dispatch) return;
    var i = incidents[id];
    get(api("/incidents/" + id + "/recommendations?limit=1")).then(function (r) {
      if (!r.length) { announce(T.no_units); if (detailId === id) msg(T.no_units, true); return null; }
      return dispatch(id, r[0].unit_id, i ? i.version : undefined);
    }).catch(function (e) {
      if (detailId === id) failed(e); else announce(e.message || T.error);
      if (e && e.status === 409) refetchIncident(id);
    });
  }

  body.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-act]");
    if (!b || !detail) return;
    if (b.dataset.act === "dispatch") {
      dispatch(detail.id, Number(b.dataset.unit), detail.version).catch(failed);
    } else if (b.dataset.act === "transition") {
      post(api("/incidents/" + detail.id + "/transition"), { status: b.dataset.to, version: detail.version })
        .then(function () { return refreshDetail().then(loadUnits); }).catch(failed);
    }
  });
  body.addEventListener("submit", function (e) {
    var f = e.target.closest("form[data-form]");
    if (!f || !detail) return;
    e.preventDefault();
    var kind = f.dataset.form, p;
    if (kind === "note") {
      var text = f.elements.text.value.trim();
      if (!text) return;
      p = post(api("/incidents/" + detail.id + "/notes"), { text: text });
    } else if (kind === "reopen") {
      p = post(api("/incidents/" + detail.id + "/reopen"), { reason: f.elements.reason.value, version: detail.version });
    } else if (kind === "lp") {
      p = post(api("/incidents/" + detail.id + "/police-report"), { model: f.elements.model.value })
        .then(function (lp) { msg(T.lp_created + " " + lp.number); });
    }
    p.then(function () { return refreshDetail(); }).then(function () {
      if (kind === "lp") { var m = detail && detail.police_reports[0]; if (m) msg(T.lp_created + " " + m); }
    }).catch(failed);
  });

  /* --- clocks ------------------------------------------------------------------------------ */
  setInterval(function () {
    var now = Date.now();
    document.querySelectorAll("#ops-incidents tbody tr.inc").forEach(function (tr) {
      var i = incidents[tr.dataset.id];
      if (!i) return;
      var t = timerFor(i, now);
      var td = tr.querySelector("td.timer");
      td.textContent = fmtDur(t.s);
      td.className = "timer " + t.lv;
    });
    tickCalls(document.getElementById("ops-calls"), now);
  }, 1000);

  connection(onEvent, loadAll);
  loadAll().catch(function () {
    document.querySelector("#ops-incidents tbody").innerHTML = '<tr><td colspan="6" class="error">' + esc(T.error) + "</td></tr>";
  });
})();
