/* Officer view, "This shift's patrol": the unit's cells in visiting order with minutes done, and a map.
   Polls the API (the dosage grows as the unit's position fixes arrive). */
(function () {
  "use strict";
  var cfgEl = document.getElementById("patrol-officer");
  var list = document.getElementById("off-patrol-list");
  var head = document.getElementById("off-patrol-shift");
  var mapEl = document.getElementById("off-patrol-map");
  if (!cfgEl || !list || !window.SiagaPatrol) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var L_ = cfg.labels;
  var state = {};

  function render(data) {
    list.textContent = "";
    var feats = (data.cells && data.cells.features) || [];
    if (!data.plan || !feats.length) {
      head.textContent = L_.none;
      mapEl.hidden = true;
      return;
    }
    var p = data.plan;
    head.textContent = p.date + " · " + p.shift + " · " + SiagaPatrol.hhmm(p.starts_at, cfg.zone) + "–" + SiagaPatrol.hhmm(p.ends_at, cfg.zone);
    feats.forEach(function (f) {
      var q = f.properties;
      var li = document.createElement("li");
      var done = q.done_minutes || 0;
      if (done >= q.planned_minutes) li.className = "done";
      var left = document.createElement("span");
      var w = q.windows && q.windows.length ? SiagaPatrol.hhmm(q.windows[0][0], cfg.zone) + "–" + SiagaPatrol.hhmm(q.windows[0][1], cfg.zone) + " · " : "";
      left.textContent = w + (q.name || q.cell);
      var right = document.createElement("span");
      right.textContent = Math.round(done) + " " + L_.of + " " + q.planned_minutes + " " + L_.minutes;
      li.appendChild(left);
      li.appendChild(right);
      list.appendChild(li);
    });
    mapEl.hidden = false;
    state = SiagaPatrol.draw(mapEl, data.cells, [], L_, cfg.zone, state) || state;
    if (state.map) state.map.invalidateSize();
  }

  function load() {
    fetch(cfg.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) render(d); })
      .catch(function () { /* offline: keep the last list */ });
  }
  load();
  setInterval(load, cfg.every_ms || 60000);
})();
