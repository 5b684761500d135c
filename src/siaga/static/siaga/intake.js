/* Call intake (110 / SPKT), keyboard first. Answer the oldest ringing call (F2 or a), see the caller's
   history, set the place (kelurahan / RT search, address text or a map click), the category (type-ahead)
   and the priority (1-4), write what happened, then one key for the disposition: Ctrl+Enter creates the
   incident (then Enter dispatches the top recommendation, for dispatchers), Alt+L links the call to the
   first nearby open incident, Alt+I information, Alt+R referred, Alt+P prank. */
(function () {
  "use strict";
  var O = window.SiagaOps;
  var el = document.getElementById("intake");
  if (!O || !el || typeof L === "undefined") return;
  var cfg = O.cfg, T = O.T, esc = O.esc, api = O.api;

  var call = null;      // the answered call
  var place = null;     // {kelurahan_code, rw, rt, lat, lon, address, label}
  var category = null;  // code
  var priority = null;
  var dups = [];
  var incident = null;  // created incident
  var recs = [];
  var queue = [];
  var count = 0;        // interactions since the answer (key commands, picks, fields, clicks)
  var busy = false;

  var $ = function (id) { return document.getElementById(id); };
  var fields = $("in-fields"), placeIn = $("in-place"), placeList = $("in-place-list"), addr = $("in-address");
  var catIn = $("in-category"), catList = $("in-category-list"), text = $("in-text"), prio = $("in-priority");

  function status(msg, bad) { var s = $("in-status"); s.textContent = msg; s.classList.toggle("error", !!bad); }
  function bump() { if (call || incident) { count += 1; $("in-count").textContent = count + " " + T.interactions; el.dataset.count = String(count); } }

  /* --- map ------------------------------------------------------------------------------- */
  var map = O.baseMap($("in-map"));
  var pin = null;
  function showPin(lat, lon) {
    if (lat === null || lat === undefined) return;
    if (!pin) pin = L.circleMarker([lat, lon], { radius: 9, color: "#c8102e", weight: 3, fillOpacity: 0.5 }).addTo(map);
    else pin.setLatLng([lat, lon]);
    map.panTo([lat, lon], { animate: false });
  }
  map.on("click", function (e) {
    if (!call) return;
    bump();
    var lat = e.latlng.lat, lon = e.latlng.lng;
    O.get(cfg.lookup_url + "?lat=" + lat + "&lon=" + lon).then(function (p) {
      setPlace({ lat: lat, lon: lon, label: T.place_map + " · " + O.placeLabel({ kelurahan_code: p.kelurahan_code, rw: p.rw, rt: p.rt }) });
    }).catch(function (e2) { status(e2.message || T.error, true); });
  });

  /* --- calls ------------------------------------------------------------------------------- */
  function loadQueue() {
    return O.get(api("/calls/queue")).then(function (q) {
      var before = queue.filter(function (x) { return x.call.status === "ringing"; }).length;
      queue = q;
      O.renderCalls($("ops-calls"), q);
      var ringing = q.filter(function (x) { return x.call.status === "ringing"; }).length;
      if (ringing > before) O.beep("ring");
      el.dataset.ringing = String(ringing);
    });
  }

  function answer() {
    if (call || busy) return;
    var oldest = queue.filter(function (x) { return x.call.status === "ringing"; })[0];
    if (!oldest) { status(T.no_ringing); return; }
    busy = true;
    O.post(api("/calls/" + oldest.call.id + "/answer")).then(function (c) {
      reset(true);
      call = c;
      count = 1;  // the answer key itself
      $("in-count").textContent = count + " " + T.interactions;
      el.dataset.count = "1";
      el.dataset.call = String(c.id);
      fields.disabled = false;
      status(T.answered_call + " · " + (c.caller_number || T.unknown_number));
      placeIn.focus();
      history(c.caller_number);
      loadQueue();
    }).catch(function (e) { status(e.message || T.error, true); loadQueue(); })
      .then(function () { busy = false; });
  }

  function history(number) {
    var box = $("in-caller");
    if (!number) { box.innerHTML = "<p>" + esc(T.caller) + ": " + esc(T.unknown_number) + "</p>"; return; }
    box.innerHTML = "<p>" + esc(T.caller) + ": <strong>" + esc(number) + "</strong></p>";
    O.get(api("/callers/" + encodeURIComponent(number) + "/history")).then(function (h) {
      var earlier = Math.max(0, h.total - 1);
      var parts = ["<p>" + esc(T.caller) + ": <strong>" + esc(number) + "</strong>"];
      if (h.prankster) parts.push(' <span class="flag bad">' + esc(T.prankster) + "</span>");
      if (h.repeat) parts.push(' <span class="flag warn">' + esc(T.repeat_caller) + "</span>");
      parts.push("</p>");
      parts.push(earlier ? "<p>" + earlier + " " + esc(T.history_total) + " · " + h.prank_count + " " + esc(T.history_pranks) +
        (h.open_incident_ids.length ? " · " + h.open_incident_ids.length + " " + esc(T.open_incidents) : "") + "</p>"
        : "<p>" + esc(T.first_call) + "</p>");
      box.innerHTML = parts.join("");
    }).catch(function () { return null; });
  }

  /* --- pick lists (place search and category type-ahead) --------------------------------- */
  function pickList(input, list, onPick) {
    var items = [], active = 0;
    function render(rows) {
      items = rows;
      active = 0;
      list.innerHTML = "";
      rows.forEach(function (r, n) {
        var li = document.createElement("li");
        li.id = list.id + "-" + n;
        li.setAttribute("role", "option");
        li.innerHTML = r.html;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); bump(); onPick(r.value); close(); });
        list.appendChild(li);
      });
      if (!rows.length && input.value.trim().length >= 2 && list.dataset.empty) {
        var li = document.createElement("li");
        li.className = "empty";
        li.textContent = list.dataset.empty;
        list.appendChild(li);
      }
      list.hidden = !list.children.length;
      input.setAttribute("aria-expanded", list.hidden ? "false" : "true");
      mark();
    }
    function mark() {
      Array.prototype.forEach.call(list.querySelectorAll("[role=option]"), function (li, n) {
        li.setAttribute("aria-selected", n === active ? "true" : "false");
      });
      if (items.length) input.setAttribute("aria-activedescendant", list.id + "-" + active);
      else input.removeAttribute("aria-activedescendant");
    }
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); }
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && items.length) { e.preventDefault(); active = Math.min(items.length - 1, active + 1); mark(); }
      else if (e.key === "ArrowUp" && items.length) { e.preventDefault(); active = Math.max(0, active - 1); mark(); }
      else if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        if (items.length) { onPick(items[active].value); close(); }
      } else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    return { render: render, close: close, items: function () { return items; } };
  }

  placeList.dataset.empty = T.no_hits;
  var placePick = pickList(placeIn, placeList, function (hit) {
    var parts = hit.code.split("/");
    var p = { kelurahan_code: parts[0].slice(0, 13), label: hit.label };
    if (hit.level === "kecamatan") { p = { lat: hit.center[1], lon: hit.center[0], label: hit.label }; }
    if (parts.length > 1) p.rw = parseInt(parts[1], 10);
    if (parts.length > 2) p.rt = parseInt(parts[2], 10);
    if (hit.center) { p.lat_hint = hit.center[1]; p.lon_hint = hit.center[0]; }
    placeIn.value = hit.label;
    setPlace(p);
    catIn.focus();
  });
  var searchTimer = null, searchSeq = 0;
  placeIn.addEventListener("input", function () {
    clearTimeout(searchTimer);
    var q = placeIn.value.trim();
    if (q.length < 2) { placePick.render([]); return; }
    searchTimer = setTimeout(function () {
      var seq = ++searchSeq;
      O.get(cfg.search_url + "?q=" + encodeURIComponent(q)).then(function (hits) {
        if (seq !== searchSeq) return;
        placePick.render(hits.filter(function (h) { return ["kecamatan", "kelurahan", "rw", "rt"].indexOf(h.level) >= 0; })
          .map(function (h) { return { value: h, html: esc(h.label) + " <small>" + esc(h.level) + "</small>" }; }));
        placeIn.dataset.results = String(hits.length);
      }).catch(function () { placePick.render([]); });
    }, 150);
  });

  addr.addEventListener("change", function () {
    var a = addr.value.trim();
    if (!a) return;
    if (place && place.kelurahan_code) { place.address = a; showPlace(); return; }
    if (place && place.lat !== undefined && !place.kelurahan_code) { place.address = a; showPlace(); return; }
    setPlace({ address: a, label: T.place_address });
  });

  var catPick = pickList(catIn, catList, function (c) {
    category = c.code;
    catIn.value = c.label;
    setPriority(c.priority, false);
    prio.focus();
    checkDuplicates();
  });
  catIn.addEventListener("input", function () {
    var q = catIn.value.trim().toLowerCase();
    if (!q) { catPick.render([]); return; }
    var hits = cfg.categories.filter(function (c) {
      return c.code !== "prank" && (c.code.indexOf(q) === 0 || c.label.toLowerCase().indexOf(q) >= 0);
    }).sort(function (a, b) { return (b.code.indexOf(q) === 0) - (a.code.indexOf(q) === 0); }).slice(0, 8);
    catPick.render(hits.map(function (c) { return { value: c, html: esc(c.label) + ' <small>P' + c.priority + "</small>" }; }));
  });

  function setPriority(p, moveOn) {
    priority = p;
    prio.querySelectorAll("input").forEach(function (r) { r.checked = Number(r.value) === p; });
    el.dataset.priority = String(p);
    if (moveOn) text.focus();
  }
  prio.addEventListener("change", function (e) { if (e.target.name === "priority") priority = Number(e.target.value); });

  function setPlace(p) {
    place = p;
    showPlace();
    showPin(p.lat !== undefined ? p.lat : p.lat_hint, p.lon !== undefined ? p.lon : p.lon_hint);
    checkDuplicates();
  }
  function showPlace() {
    $("in-place-chosen").textContent = place ? T.place_set + " " + place.label + (place.address && place.label !== T.place_address ? " · " + place.address : place.address ? " · " + place.address : "") : "";
    el.dataset.place = place ? "1" : "";
  }

  function pointOf(p) {
    if (!p) return null;
    if (p.lat !== undefined && p.lon !== undefined) return [p.lat, p.lon];
    if (p.lat_hint !== undefined) return [p.lat_hint, p.lon_hint];
    return null;
  }
  function checkDuplicates() {
    var pt = pointOf(place);
    var ul = $("in-dups");
    if (!pt || !category || !call) { dups = []; ul.innerHTML = ""; return; }
    O.get(api("/duplicates?lat=" + pt[0] + "&lon=" + pt[1] + "&category=" + encodeURIComponent(category))).then(function (d) {
      dups = d;
      ul.innerHTML = d.length
        ? "<li class='hint'>" + esc(T.duplicates) + "</li>" + d.map(function (x) {
          var i = x.incident;
          return "<li><strong>" + esc(i.number) + "</strong> P" + i.priority + " " + esc(O.catLabel(i.category)) + " · " +
            esc(O.statusLabel(i.status)) + " · " + Math.round(x.distance_m) + " " + esc(T.m) + "</li>";
        }).join("")
        : "<li class='hint'>" + esc(T.no_duplicates) + "</li>";
    }).catch(function () { dups = []; ul.innerHTML = ""; });
  }

  /* --- dispositions ------------------------------------------------------------------------ */
  function placeBody() {
    if (!place) return {};
    var b = {};
    if (place.kelurahan_code) { b.kelurahan_code = place.kelurahan_code; if (place.rw) b.rw = place.rw; if (place.rt) b.rt = place.rt; }
    else if (place.lat !== undefined) { b.lat = place.lat; b.lon = place.lon; }
    if (place.address) b.address = place.address;
    return b;
  }

  function createIncident() {
    if (!call || busy) return;
    if (!place) { status(T.need_place, true); placeIn.focus(); return; }
    if (!category) { status(T.need_category, true); catIn.focus(); return; }
    busy = true;
    var words = text.value.trim();
    var body = Object.assign({
      call_id: call.id, category: category, priority: priority, source: "call",
      summary: words.split("\n")[0].slice(0, 200), description: words,
    }, placeBody());
    var c = call;
    O.post(api("/incidents"), body, { "Idempotency-Key": "intake-call-" + c.id }).then(function (i) {
      incident = i;
      el.dataset.incident = String(i.id);
      return O.post(api("/calls/" + c.id + "/close"), { disposition: "incident", incident_id: i.id }).then(function () {
        status(T.created + ": " + i.number + " · P" + i.priority + " " + O.catLabel(i.category) + " · " + O.placeLabel(i));
        call = null;
        fields.disabled = true;
        return showRecs(i);
      });
    }).catch(function (e) { status(e.message || T.error, true); })
      .then(function () { busy = false; loadQueue(); });
  }

  function showRecs(i) {
    var wrap = $("in-recs-wrap"), ol = $("in-recs");
    return O.get(api("/incidents/" + i.id + "/recommendations?limit=5")).then(function (r) {
      recs = r;
      wrap.hidden = false;
      $("in-recs-h").textContent = cfg.perms.dispatch ? T.recs : T.recs_readonly;
      ol.innerHTML = r.length ? r.map(function (x, n) {
        return '<li class="rec' + (n === 0 ? " top" : "") + '"><strong>' + esc(x.callsign) + "</strong> <small>" + esc(x.kind.toUpperCase()) +
          "</small> · ETA " + O.fmtDur(x.eta_s) + " · " + (x.distance_m / 1000).toFixed(1) + " km<br><small>" +
          x.reasons.map(esc).join(" · ") + "</small>" +
          (cfg.perms.dispatch ? ' <button type="button" data-unit="' + x.unit_id + '">' + esc(T.dispatch) + (n === 0 ? " <kbd>Enter</kbd>" : "") + "</button>" : "") + "</li>";
      }).join("") : "<li>" + esc(T.no_units) + "</li>";
      el.dataset.recs = String(r.length);
      ol.focus();
    });
  }
  $("in-recs").addEventListener("click", function (e) {
    var b = e.target.closest("button[data-unit]");
    if (b) dispatchUnit(Number(b.dataset.unit));
  });
  function dispatchUnit(unitId) {
    if (!incident || busy || !cfg.perms.dispatch) return;
    busy = true;
    var i = incident;
    O.post(api("/incidents/" + i.id + "/dispatch"), { unit_id: unitId, version: i.version }).then(function (a) {
      status(T.dispatched + ": " + a.callsign + " → " + i.number + ". " + T.next_call);
      el.dataset.dispatched = a.callsign;
      $("in-recs").innerHTML = "";
      $("in-recs-wrap").hidden = true;
      incident = null;
    }).catch(function (e) { status(e.message || T.error, true); if (incident) showRecs(incident); })
      .then(function () { busy = false; });
  }

  function closeAs(disposition) {
    if (!call || busy) return;
    var body = { disposition: disposition, notes: text.value.trim() };
    if (disposition === "linked") {
      if (!dups.length) { status(T.no_duplicates, true); return; }
      body.incident_id = dups[0].incident.id;
    }
    if (category && disposition !== "prank") body.category = category;
    if (disposition !== "prank") Object.assign(body, placeBody());
    busy = true;
    var c = call;
    O.post(api("/calls/" + c.id + "/close"), body).then(function () {
      status(T.closed_as + " " + (T["disp_" + disposition] || disposition) +
        (disposition === "linked" ? " · " + dups[0].incident.number : "") + ". " + T.next_call);
      el.dataset.closed = disposition;
      reset(false);
    }).catch(function (e) { status(e.message || T.error, true); })
      .then(function () { busy = false; loadQueue(); });
  }

  document.querySelectorAll("[data-disp]").forEach(function (b) {
    b.addEventListener("click", function () {
      if (b.dataset.disp === "incident") createIncident(); else closeAs(b.dataset.disp);
    });
  });
  $("in-answer").addEventListener("click", function () { answer(); });

  function reset(keepStatus) {
    call = null; place = null; category = null; priority = null; dups = []; recs = [];
    fields.disabled = true;
    placeIn.value = ""; addr.value = ""; catIn.value = ""; text.value = "";
    setPriority(null, false);
    showPlace();
    $("in-dups").innerHTML = "";
    $("in-caller").innerHTML = "";
    if (!keepStatus) $("in-count").textContent = "";
    if (pin) { map.removeLayer(pin); pin = null; }
  }

  /* --- keys -------------------------------------------------------------------------------- */
  document.addEventListener("keydown", function (e) {
    if (e.repeat) return;
    var typing = O.isTyping(e);
    var k = e.key;
    var modifier = k === "Shift" || k === "Control" || k === "Alt" || k === "Meta";
    if (!modifier && (k.length > 1 || e.ctrlKey || e.altKey || !typing)) bump();
    if (k === "F2" || (k === "a" && !typing && !e.ctrlKey && !e.altKey && !call)) { e.preventDefault(); answer(); return; }
    if (e.ctrlKey && k === "Enter") { e.preventDefault(); createIncident(); return; }
    if (e.altKey && !e.ctrlKey) {
      var map2 = { p: "prank", i: "information", r: "referred", l: "linked" };
      var d = map2[k.toLowerCase()];
      if (d) { e.preventDefault(); closeAs(d); return; }
      if ("1234".indexOf(k) >= 0 && call) { e.preventDefault(); setPriority(Number(k), true); return; }
    }
    if (typing) {
      if (k === "Escape") e.target.blur();
      return;
    }
    if ("1234".indexOf(k) >= 0 && k.length === 1 && call) { e.preventDefault(); setPriority(Number(k), true); return; }
    if (k === "Enter" && incident && recs.length && cfg.perms.dispatch && !e.target.closest("button, a")) {
      e.preventDefault(); dispatchUnit(recs[0].unit_id); return;
    }
    if (call && !e.ctrlKey && !e.altKey && !e.metaKey) {
      var plain = { p: "prank", i: "information", r: "referred", l: "linked" }[k];
      if (plain) { e.preventDefault(); closeAs(plain); }
    }
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest("button, li[role=option], input[type=radio]")) bump();
  }, true);
  // a typed field counts once per visit, however many characters
  [placeIn, addr, catIn, text].forEach(function (f) {
    var typed = false;
    f.addEventListener("focus", function () { typed = false; });
    f.addEventListener("input", function () { if (!typed) { typed = true; bump(); } });
  });

  /* --- live -------------------------------------------------------------------------------- */
  var debounce = O.debouncer(200);
  O.connection(function (ev) {
    if (ev.object_type === "cad.call") debounce("calls", loadQueue);
  }, loadQueue);
  setInterval(function () { O.tickCalls($("ops-calls"), Date.now()); }, 1000);
  loadQueue().then(function () { el.dataset.ready = "1"; status(T.no_call); });
})();
