/* Siaga public-site service worker (served at /sw.js, scope /).
   Pages: network first, the cached copy when offline (then the offline page). Static files: cache first.
   API calls are never cached; queued submissions live in IndexedDB and are sent by the page when back
   online (the "sync" event, where supported, asks open pages to flush). */
var CACHE = "siaga-portal-v1";
var SHELL = ["/", "/darurat/", "/lapor/", "/lacak/", "/kantor-polisi/", "/luring/",
  "/static/portal/portal.css", "/static/portal/portal.js", "/static/portal/report.js", "/static/portal/sos.js",
  "/static/portal/stations.js", "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
  "/static/portal/icon.svg"];

self.addEventListener("install", function (ev) {
  ev.waitUntil(caches.open(CACHE).then(function (c) {
    return Promise.all(SHELL.map(function (u) { return c.add(u).catch(function () { /* skip */ }); }));
  }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (ev) {
  ev.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});
self.addEventListener("fetch", function (ev) {
  var req = ev.request, url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/api/") === 0 || url.pathname.indexOf("/staf/") === 0 ||
      url.pathname.indexOf("/accounts/") === 0 || url.pathname.indexOf("/ops/") === 0) return;
  if (url.pathname.indexOf("/static/") === 0) {
    ev.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        var copy = res.clone(); caches.open(CACHE).then(function (c) { c.put(req, copy); }); return res;
      });
    }));
    return;
  }
  if (req.mode === "navigate") {
    ev.respondWith(fetch(req).then(function (res) {
      if (res.ok && SHELL.indexOf(url.pathname) >= 0) {
        var copy = res.clone(); caches.open(CACHE).then(function (c) { c.put(url.pathname, copy); });
      }
      return res;
    }).catch(function () {
      return caches.match(url.pathname).then(function (hit) { return hit || caches.match("/luring/"); });
    }));
  }
});
self.addEventListener("sync", function (ev) {
  ev.waitUntil(self.clients.matchAll().then(function (cs) { cs.forEach(function (c) { c.postMessage("flush"); }); }));
});
