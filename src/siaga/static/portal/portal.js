/* Siaga public site: shared helpers, the offline outbox (IndexedDB) and the service worker.
   A submission is queued with its idempotency key; it is sent when the browser is back online, and a
   resend with the same key never makes a duplicate on the server. No inline script, no eval. */
(function () {
  "use strict";
  var cfgEl = document.getElementById("portal-config");
  var CFG = cfgEl ? JSON.parse(cfgEl.textContent) : {};
  CFG.api = CFG.api || "/api/portal";
  CFG.labels = CFG.labels || {};
  var L = CFG.labels;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function deviceId() {
    var id = null;
    try { id = localStorage.getItem("siaga.device"); } catch (e) { /* private mode */ }
    if (!id) { id = uuid(); try { localStorage.setItem("siaga.device", id); } catch (e) { /* ignore */ } }
    return id;
  }

  /* --- IndexedDB outbox --- */
  var DB = "siaga-portal", STORE = "outbox";
  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), out;
        t.oncomplete = function () { resolve(out); };
        t.onerror = function () { reject(t.error); };
        out = fn(t.objectStore(STORE));
      });
    });
  }
  function queue(item) { return tx("readwrite", function (s) { s.put(item); }); }
  function remove(key) { return tx("readwrite", function (s) { s.delete(key); }); }
  function all() {
    return tx("readonly", function (s) { var r = s.getAll(); return r; }).then(function (r) { return r.result || []; });
  }

  function banner(text) {
    var el = document.getElementById("outbox");
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
  }
  function remember(code) {
    try {
      var list = JSON.parse(localStorage.getItem("siaga.sent") || "[]");
      if (list.indexOf(code) < 0) list.unshift(code);
      localStorage.setItem("siaga.sent", JSON.stringify(list.slice(0, 20)));
    } catch (e) { /* ignore */ }
  }

  /* Send one queued item. Resolves {ok, status, body}; network failures reject. */
  function send(item) {
    var opts = { method: "POST", headers: { "Idempotency-Key": item.key }, credentials: "omit" };
    if (item.type === "form") {
      var fd = new FormData();
      Object.keys(item.fields).forEach(function (k) { fd.append(k, item.fields[k]); });
      (item.files || []).forEach(function (f) { fd.append("photos", f.blob, f.name); });
      opts.body = fd;
    } else {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(item.body);
    }
    return fetch(item.url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) { return { ok: r.ok, status: r.status, body: b }; });
    });
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine || !window.indexedDB) return Promise.resolve();
    flushing = true;
    return all().then(function (items) {
      return items.reduce(function (p, item) {
        return p.then(function () {
          return send(item).then(function (res) {
            if (res.status >= 500 || res.status === 429) return; // keep it; try again later
            return remove(item.key).then(function () {
              if (res.ok && res.body.tracking_code) {
                remember(res.body.tracking_code);
                banner((L.sent_queued || "Sent:") + " " + res.body.tracking_code);
                document.dispatchEvent(new CustomEvent("siaga:sent", { detail: { item: item, body: res.body } }));
              } else if (res.ok) {
                document.dispatchEvent(new CustomEvent("siaga:sent", { detail: { item: item, body: res.body } }));
              } else {
                banner((L.error || "Error:") + " " + (res.body.detail || res.status));
              }
            });
          }, function () { /* still offline */ });
        });
      }, Promise.resolve());
    }).catch(function () { /* no IndexedDB */ }).then(function () { flushing = false; });
  }

  window.addEventListener("online", flush);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (ev) { if (ev.data === "flush") flush(); });
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* unsupported */ });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    flush();
    var list = document.querySelector("#sent-list");
    if (list) {
      var codes = [];
      try { codes = JSON.parse(localStorage.getItem("siaga.sent") || "[]"); } catch (e) { /* ignore */ }
      if (codes.length) {
        list.hidden = false;
        codes.forEach(function (c) {
          var li = document.createElement("li"), a = document.createElement("a");
          a.href = "/lacak/" + encodeURIComponent(c) + "/"; a.textContent = c; a.className = "code";
          li.appendChild(a); list.querySelector("ul").appendChild(li);
        });
      }
    }
  });

  /* a vector-only Leaflet map: kecamatan outlines + optional tiles from the settings */
  function map(el, opts) {
    if (!window.L || !el) return null;
    var m = window.L.map(el, { attributionControl: !!(CFG.map && CFG.map.tiles) });
    var c = (CFG.map && CFG.map.center) || [-6.24, 107.0];
    m.setView(c, 12);
    if (CFG.map && CFG.map.tiles) window.L.tileLayer(CFG.map.tiles, { maxZoom: 19 }).addTo(m);
    if (CFG.map && CFG.map.outline && CFG.map.outline.features && CFG.map.outline.features.length) {
      var layer = window.L.geoJSON(CFG.map.outline, { style: { color: "#0b3d91", weight: 1, fillOpacity: 0.04 } }).addTo(m);
      try { m.fitBounds(layer.getBounds()); } catch (e) { /* empty */ }
    }
    if (opts && opts.stations !== false && CFG.map) {
      (CFG.map.stations || []).forEach(function (s) {
        window.L.circleMarker([s.lat, s.lon], { radius: 7, color: "#0b3d91", fillColor: "#ffd200", fillOpacity: 1 })
          .bindTooltip(s.name).addTo(m);
      });
    }
    return m;
  }

  function distance(lat1, lon1, lat2, lon2) {
    var r = 6371008.8, p1 = lat1 * Math.PI / 180, p2 = lat2 * Math.PI / 180;
    var dp = p2 - p1, dl = (lon2 - lon1) * Math.PI / 180;
    var a = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * r * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function fmtDistance(m) {
    return m < 1000 ? Math.round(m) + " " + (L.m || "m") : (m / 1000).toFixed(1) + " " + (L.km || "km");
  }
  function stationItem(s, dist) {
    var li = document.createElement("li"), b = document.createElement("strong");
    b.textContent = s.name; li.appendChild(b);
    if (dist != null) { li.appendChild(document.createTextNode(" · " + fmtDistance(dist))); }
    if (s.address) { li.appendChild(document.createElement("br")); var sp = document.createElement("span"); sp.className = "muted"; sp.textContent = s.address; li.appendChild(sp); }
    if (s.phone) {
      li.appendChild(document.createElement("br"));
      var a = document.createElement("a"); a.className = "tel"; a.href = "tel:" + s.phone.replace(/[^0-9+]/g, "");
      a.textContent = "" + (L.call || "Call") + " " + s.phone; li.appendChild(a);
    }
    return li;
  }
  function nearestStations(lat, lon, n, kind) {
    var rows = ((CFG.map && CFG.map.stations) || []).filter(function (s) { return !kind || s.kind === kind; });
    rows = rows.map(function (s) { return { s: s, d: distance(lat, lon, s.lat, s.lon) }; });
    rows.sort(function (a, b) { return a.d - b.d; });
    return rows.slice(0, n || 3);
  }

  window.SiagaPortal = {
    config: CFG, labels: L, uuid: uuid, deviceId: deviceId, queue: queue, flush: flush, send: send,
    banner: banner, remember: remember, map: map, distance: distance, stationItem: stationItem,
    nearestStations: nearestStations
  };
})();
