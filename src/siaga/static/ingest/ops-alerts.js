/* Device alerts in the operations room (CCTV events, geofences, device panics): a strip fed by the
   live events "ingest.alert.*" (forwarded by ops.js) with a full reload on every resync, and an
   Acknowledge / Close button calling /api/ingest/alerts/{id}/acknowledge|close. Strings come from the
   section's data attributes (translated in the template); no inline script (CSP). */
(function () {
  "use strict";
  var el = document.getElementById("ops-devalerts");
  var O = window.SiagaOps;
  if (!el || !O) return;
  var list = document.getElementById("ops-devalerts-list");
  var S = el.dataset;
  var canHandle = S.handle === "1";
  var alerts = {};  // id -> alert

  function sorted() {
    return Object.keys(alerts).map(function (k) { return alerts[k]; })
      .sort(function (a, b) { return Date.parse(b.at) - Date.parse(a.at) || b.id - a.id; });
  }
  function render() {
    var items = sorted();
    el.dataset.count = String(items.length);
    if (!items.length) {
      list.innerHTML = '<li class="empty">' + O.esc(S.empty) + "</li>";
      return;
    }
    list.innerHTML = items.map(function (a) {
      var btn = "";
      if (canHandle) {
        btn = a.status === "open"
          ? ' <button type="button" data-act="acknowledge" data-id="' + a.id + '">' + O.esc(S.ack) + "</button>"
          : ' <button type="button" data-act="close" data-id="' + a.id + '">' + O.esc(S.close) + "</button>";
      }
      return '<li class="devalert ' + O.esc(a.status) + '" data-alert="' + a.id + '" data-kind="' + O.esc(a.kind) + '">' +
        '<span class="time">' + O.esc(O.fmtTime(a.at)) + "</span> " +
        '<span class="title">' + O.esc(a.title) + "</span>" + btn + "</li>";
    }).join("");
  }
  function load() {
    return O.get("/api/ingest/alerts").then(function (items) {
      alerts = {};
      items.forEach(function (a) { alerts[a.id] = a; });
      render();
    });
  }
  function onEvent(ev) {
    var a = Object.assign({}, ev.data || {});
    if (!a.id) return;
    var known = alerts[a.id];
    // the event carries the title as stored (the installation's language); the API gives it in the
    // reader's: keep the one already shown, and fetch a new alert's from the API
    if (known && known.title) delete a.title;
    if (a.status === "closed") delete alerts[a.id];
    else alerts[a.id] = Object.assign(known || {}, a);
    render();
    if (ev.name === "ingest.alert.raised") {
      O.beep("p1");
      var stored = a.title;
      load().then(function () {
        O.announce(S.announce + ": " + ((alerts[a.id] && alerts[a.id].title) || stored));
      }, function () { O.announce(S.announce + ": " + stored); });
    }
  }
  list.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-act]");
    if (!b) return;
    b.disabled = true;
    O.post("/api/ingest/alerts/" + b.dataset.id + "/" + b.dataset.act).then(function (a) {
      if (a.status === "closed") delete alerts[a.id];
      else alerts[a.id] = a;
      render();
    }).catch(function (err) {
      b.disabled = false;
      O.announce(err.message);
      load().catch(function () {});
    });
  });

  window.SiagaAlerts = { load: load, onEvent: onEvent };
  load().catch(function () { list.innerHTML = '<li class="empty">' + O.esc(S.error) + "</li>"; });
})();
