/* Patrol plans: cells coloured by unit (opacity by expected incidents), unit markers; no tiles needed.
   window.SiagaPatrol.draw is shared with the officer view (patrol-officer.js). */
(function () {
  "use strict";
  var PALETTE = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#ad1457", "#4e342e", "#283593", "#558b2f"];

  function colourOf(name, order) {
    if (!name) return "#757575";
    if (!(name in order)) order[name] = Object.keys(order).length;
    return PALETTE[order[name] % PALETTE.length];
  }

  function hhmm(iso, zone) {
    if (!iso) return "";
    try {
      return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone });
    } catch (e) {
      return iso.slice(11, 16);
    }
  }

  function line(box, text, strong) {
    var el = document.createElement(strong ? "strong" : "span");
    el.textContent = text;
    box.appendChild(el);
    box.appendChild(document.createElement("br"));
  }

  function draw(el, cells, units, labels, zone, state) {
    if (typeof L === "undefined") return null;
    state = state || {};
    var order = state.order || {};
    state.order = order;
    (units || []).forEach(function (u) { colourOf(u.callsign, order); });
    var max = 0;
    cells.features.forEach(function (f) { max = Math.max(max, f.properties.intensity || 0); });
    if (!state.map) {
      state.map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    }
    if (state.layer) state.map.removeLayer(state.layer);
    var group = L.featureGroup();
    if (state.outline) {
      L.geoJSON(state.outline, {
        style: function () { return { color: "#607d8b", weight: 1, fill: false, dashArray: "4 3" }; },
        interactive: false,
      }).addTo(group);
    }
    L.geoJSON(cells, {
      style: function (f) {
        var p = f.properties;
        var done = (p.done_minutes || 0) >= (p.planned_minutes || 1);
        return { color: done ? "#111" : colourOf(p.unit, order), weight: done ? 3 : 1.5,
                 fillColor: colourOf(p.unit, order), fillOpacity: 0.25 + 0.55 * (max ? (p.intensity || 0) / max : 0) };
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        var box = document.createElement("div");
        line(box, "#" + p.rank + " " + (p.name || p.cell), true);
        line(box, labels.unit + ": " + (p.unit || labels.unassigned));
        line(box, labels.expected + ": " + (p.intensity || 0).toFixed(3));
        if (p.windows && p.windows.length) line(box, labels.window + ": " + hhmm(p.windows[0][0], zone) + "–" + hhmm(p.windows[0][1], zone));
        line(box, labels.planned + ": " + p.planned_minutes + " · " + labels.done + ": " + (p.done_minutes || 0));
        if (p.why && p.why.risk_class) line(box, labels.risk + ": " + p.why.risk_class);
        l.bindPopup(box);
        l.bindTooltip("#" + p.rank, { permanent: cells.features.length <= 40, direction: "center", className: "patrol-rank" });
      },
    }).addTo(group);
    (units || []).forEach(function (u) {
      if (u.lat == null || u.lon == null) return;
      L.circleMarker([u.lat, u.lon], { radius: 7, color: "#fff", weight: 2, fillColor: colourOf(u.callsign, order), fillOpacity: 1 })
        .bindTooltip(u.callsign).addTo(group);
    });
    group.addTo(state.map);
    state.layer = group;
    var b = group.getBounds();
    if (!state.fitted) {
      if (b.isValid()) state.map.fitBounds(b, { padding: [20, 20], maxZoom: 16 });
      else state.map.setView([-6.24, 106.99], 12);
      state.fitted = b.isValid();
    }
    return state;
  }

  window.SiagaPatrol = { draw: draw, hhmm: hhmm, colourOf: colourOf };

  var el = document.getElementById("patrol-map");
  var data = document.getElementById("patrol-data");
  if (!el || !data) return;
  var cfg = JSON.parse(data.textContent);
  var state = draw(el, cfg.cells, cfg.units, cfg.labels, cfg.zone, { outline: cfg.outline });
  var order = state ? state.order : {};
  document.querySelectorAll(".patrol-dot[data-unit]").forEach(function (d) {
    d.style.background = colourOf(d.getAttribute("data-unit"), order);
  });
  document.querySelectorAll(".patrol-window[data-window]").forEach(function (td) {
    td.textContent = hhmm(td.getAttribute("data-window"), cfg.zone);
  });
})();
