/* Territory page: drill down kecamatan → kelurahan → RW → RT on a vector-only Leaflet map.
   Config comes from data- attributes on #territory-map and labels from the json_script
   #territory-labels (no inline script, no eval: the CSP forbids both). */
(function () {
  "use strict";
  var el = document.getElementById("territory-map");
  if (!el || typeof L === "undefined") return;
  var T = JSON.parse(document.getElementById("territory-labels").textContent);
  var cfg = el.dataset;
  var NEXT = { kabkota: "kecamatan", kecamatan: "kelurahan", kelurahan: "rw", rw: "rt", rt: null };
  var PALETTE = ["#1f77b4", "#2ca02c", "#9467bd", "#d62728", "#17becf", "#ff7f0e",
                 "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f", "#393b79", "#637939"];

  var LOCALE = document.documentElement.lang === "id" ? "id-ID" : "en-GB";
  var FIT = { padding: [12, 12], animate: false };  // animated fits in a row drop each other
  var map = L.map(el, { zoomControl: true, attributionControl: false, zoomSnap: 0.25, minZoom: 9 });
  var context = L.layerGroup().addTo(map);   // faint outline of the level above
  var current = L.layerGroup().addTo(map);   // clickable areas of the current level
  var polsekLayer = null;
  var highlight = null;
  var stack = [];                             // breadcrumb: [{level, code, name, bbox}]
  var layersByCode = {};

  function bboxBounds(b) { return L.latLngBounds([b[1], b[0]], [b[3], b[2]]); }
  function fmt(n) { return n === null || n === undefined ? "–" : Number(n).toLocaleString(LOCALE); }
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status + " " + url);
        return r.json();
      });
  }

  function areasUrl(level, parent) {
    var u = cfg.areasUrl + "?level=" + encodeURIComponent(level);
    if (parent) u += "&parent=" + encodeURIComponent(parent);
    return u;
  }

  function styleFor(props, i) {
    var color = PALETTE[i % PALETTE.length];
    var synthetic = props.synthetic;
    return {
      color: synthetic ? "#6b5300" : "#203040", weight: props.level === "rt" ? 1 : 1.5,
      dashArray: synthetic ? "4 3" : null, fillColor: color, fillOpacity: 0.28, opacity: 0.9,
    };
  }

  function label(props) {
    if (props.level === "rt") return props.name.split("/")[0].replace("RT ", "");
    return props.name;
  }

  function panel(props) {
    var p = document.getElementById("territory-panel");
    var rows = [];
    rows.push("<h2>" + esc(props.name) + (props.synthetic ? ' <span class="badge synthetic">' + esc(T.synthetic) + "</span>" : "") + "</h2>");
    if (props.parent_name) rows.push('<p class="lead">' + esc(props.parent_name) + "</p>");
    rows.push("<dl>");
    rows.push("<dt>" + esc(T.code) + "</dt><dd><code>" + esc(props.code) + "</code></dd>");
    rows.push("<dt>" + esc(T.level) + "</dt><dd>" + esc(T[props.level] || props.level) + "</dd>");
    rows.push("<dt>" + esc(T.population) + "</dt><dd>" + fmt(props.population) +
      (props.population && props.population_synthetic ? ' <small>(' + esc(T.population_synthetic) + ")</small>" : "") + "</dd>");
    if (props.households) rows.push("<dt>" + esc(T.households) + "</dt><dd>" + fmt(props.households) + "</dd>");
    if (props.area_km2 !== null && props.area_km2 !== undefined)
      rows.push("<dt>" + esc(T.area) + "</dt><dd>" + props.area_km2.toLocaleString(LOCALE, { maximumFractionDigits: 3 }) + " km²</dd>");
    var kids = props.children || {};
    var parts = Object.keys(kids).map(function (k) { return fmt(kids[k]) + " " + esc(T[k] || k); });
    if (parts.length) rows.push("<dt>" + esc(T.children) + "</dt><dd>" + parts.join(" · ") + "</dd>");
    rows.push("</dl>");
    if (props.synthetic) rows.push('<p class="note">' + esc(T.synthetic_note) + "</p>");
    var kids = p.querySelector(".terr-children");
    p.innerHTML = rows.join("");
    if (kids) p.appendChild(kids);
    p.dataset.code = props.code;
  }

  /* The children of the current area as buttons in the panel: the keyboard way to drill down. */
  function childList(fc, level) {
    var p = document.getElementById("territory-panel");
    var old = p.querySelector(".terr-children");
    if (old) old.remove();
    if (!fc.features.length) return;
    var wrap = document.createElement("div");
    wrap.className = "terr-children";
    var h = document.createElement("h3");
    h.textContent = T[level] + " (" + fc.features.length + ")";
    wrap.appendChild(h);
    var ul = document.createElement("ul");
    fc.features.forEach(function (f) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = f.properties.level === "rt" ? f.properties.name.split("/")[0] : f.properties.name;
      b.dataset.code = f.properties.code;
      b.addEventListener("click", function () { layersByCode[f.properties.code].fire("click"); });
      li.appendChild(b);
      ul.appendChild(li);
    });
    wrap.appendChild(ul);
    p.appendChild(wrap);
  }

  function crumbs() {
    var ol = document.getElementById("territory-crumbs");
    ol.innerHTML = "";
    stack.forEach(function (s, i) {
      var li = document.createElement("li");
      if (i < stack.length - 1) {
        var a = document.createElement("a");
        a.href = "#" + s.code;
        a.textContent = s.name;
        a.addEventListener("click", function (e) { e.preventDefault(); up(i); });
        li.appendChild(a);
      } else {
        li.textContent = s.name;
        li.setAttribute("aria-current", "location");
      }
      ol.appendChild(li);
    });
  }

  function select(layer) {
    if (highlight) highlight.setStyle({ weight: highlight._baseWeight, color: highlight._baseColor });
    highlight = layer;
    layer._baseWeight = layer.options.weight;
    layer._baseColor = layer.options.color;
    layer.setStyle({ weight: 4, color: "#c8102e" });
    layer.bringToFront();
    panel(layer.feature.properties);
  }

  /* Show the children of `entry` (a breadcrumb item); resolves once drawn. */
  function show(entry) {
    var level = NEXT[entry.level];
    context.clearLayers();
    current.clearLayers();
    highlight = null;
    layersByCode = {};
    el.classList.add("loading");
    var parent = entry.level === "kabkota" ? null : entry.code;
    return fetchJSON(areasUrl(level, parent)).then(function (fc) {
      el.classList.remove("loading");
      if (entry.geometry) {
        L.geoJSON(entry.geometry, { interactive: false, style: { color: "#0b3d91", weight: 3, fill: false } }).addTo(context);
      }
      var i = 0;
      var layer = L.geoJSON(fc, {
        style: function (f) { return styleFor(f.properties, i++); },
        onEachFeature: function (f, lyr) {
          layersByCode[f.properties.code] = lyr;
          lyr.bindTooltip(esc(label(f.properties)), {
            permanent: fc.features.length <= 80, direction: "center", className: "terr-label terr-label-" + f.properties.level,
          });
          lyr.on("click", function () {
            if (NEXT[f.properties.level]) {
              drill({ level: f.properties.level, code: f.properties.code, name: f.properties.name,
                      bbox: f.properties.bbox, geometry: f.geometry, props: f.properties });
            } else {
              select(lyr);
            }
          });
        },
      });
      layer.addTo(current);
      el.dataset.level = level;
      el.dataset.count = String(fc.features.length);
      if (entry.bbox) map.fitBounds(bboxBounds(entry.bbox), FIT);
      else if (fc.features.length) map.fitBounds(layer.getBounds(), FIT);
      childList(fc, level);
      return fc;
    }).catch(function (err) {
      el.classList.remove("loading");
      document.getElementById("territory-panel").innerHTML = '<p class="error">' + esc(T.error) + "</p>";
      throw err;
    });
  }

  function drill(entry) {
    stack.push(entry);
    crumbs();
    if (entry.props) panel(entry.props);
    return show(entry);
  }

  function up(i) {
    stack = stack.slice(0, i + 1);
    crumbs();
    var e = stack[i];
    if (e.props) panel(e.props);
    else document.getElementById("territory-panel").innerHTML = '<p class="lead">' + esc(T.click_hint) + "</p>";
    return show(e);
  }

  /* Search: jump to a result by drilling down its chain of parents. */
  function chain(code, level) {
    var kel = code.slice(0, 13), kec = code.slice(0, 8);
    var parts = code.split("/");
    var out = [];
    if (level === "kecamatan") return [{ level: "kecamatan", code: kec }];
    out.push({ level: "kecamatan", code: kec });
    if (level === "kelurahan") { out.push({ level: "kelurahan", code: kel }); return out; }
    out.push({ level: "kelurahan", code: kel });
    out.push({ level: "rw", code: parts[0] + "/" + parts[1] });
    if (level === "rt") out.push({ level: "rt", code: code });
    return out;
  }

  function goTo(hit) {
    var steps = chain(hit.code, hit.level);
    stack = stack.slice(0, 1);
    crumbs();
    var p = show(stack[0]);
    steps.forEach(function (s) {
      p = p.then(function () {
        var lyr = layersByCode[s.code];
        if (!lyr) return null;
        var f = lyr.feature;
        if (s.level === "rt") {
          select(lyr);
          map.fitBounds(lyr.getBounds(), { maxZoom: 17, animate: false });
          return null;
        }
        return drill({ level: f.properties.level, code: f.properties.code, name: f.properties.name,
                       bbox: f.properties.bbox, geometry: f.geometry, props: f.properties });
      });
    });
    return p;
  }

  var form = document.getElementById("territory-search");
  var input = document.getElementById("territory-q");
  var results = document.getElementById("territory-results");
  var timer = null;
  function runSearch() {
    var q = input.value.trim();
    if (q.length < 2) { results.hidden = true; return; }
    fetchJSON(cfg.searchUrl + "?q=" + encodeURIComponent(q)).then(function (hits) {
      results.innerHTML = "";
      if (!hits.length) {
        var li = document.createElement("li");
        li.className = "empty";
        li.textContent = T.no_results;
        results.appendChild(li);
      }
      hits.forEach(function (h) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.setAttribute("role", "option");
        b.innerHTML = esc(h.label) + ' <small>' + esc(T[h.level] || h.level) + "</small>" +
          (h.synthetic ? ' <span class="badge synthetic">' + esc(T.synthetic) + "</span>" : "");
        b.addEventListener("click", function () { results.hidden = true; input.value = h.label; goTo(h); });
        li.appendChild(b);
        results.appendChild(li);
      });
      results.hidden = false;
    });
  }
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(runSearch, 200); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var first = results.querySelector("button");
    if (first && !results.hidden) first.click(); else runSearch();
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") results.hidden = true; });

  document.getElementById("territory-polsek").addEventListener("change", function (e) {
    if (!e.target.checked) { if (polsekLayer) map.removeLayer(polsekLayer); return; }
    fetchJSON(cfg.polsekUrl).then(function (fc) {
      if (polsekLayer) map.removeLayer(polsekLayer);
      polsekLayer = L.geoJSON(fc, {
        interactive: false,
        style: { color: "#111", weight: 3.5, dashArray: "10 6", fill: false },
        onEachFeature: function (f, lyr) {
          lyr.bindTooltip(esc(f.properties.name), { permanent: true, direction: "center", className: "terr-label terr-label-polsek" });
        },
      }).addTo(map);
      el.dataset.polsek = String(fc.features.length);
    });
  });

  // Tahap I registers as layers (problems by level, potentials by kind): points, or the RT/kelurahan
  // polygon of a record placed only by area. The server offers the toggles only to roles that may read them.
  var OVERLAY_COLOURS = { PG: "#f2c94c", AG: "#f2994a", GN: "#d62728" };
  Array.prototype.forEach.call(document.querySelectorAll(".territory-overlay"), function (box, i) {
    var layer = null;
    box.addEventListener("change", function () {
      if (layer) { map.removeLayer(layer); layer = null; }
      if (!box.checked) return;
      fetchJSON(box.dataset.overlayUrl).then(function (fc) {
        if (!box.checked) return;
        var colour = function (f) { return OVERLAY_COLOURS[f.properties.cls] || PALETTE[(i * 5) % PALETTE.length]; };
        layer = L.geoJSON(fc, {
          style: function (f) { return { color: colour(f), weight: 2, dashArray: "5 4", fillOpacity: 0.15 }; },
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, { radius: 6, color: "#222", weight: 1, fillColor: colour(f), fillOpacity: 0.95 });
          },
          onEachFeature: function (f, lyr) {
            lyr.bindTooltip(esc(f.properties.title) + "<br>" + esc(f.properties.label));
          },
        }).addTo(map);
        box.dataset.shown = String(fc.features.length);
      }).catch(function () { box.checked = false; });
    });
  });

  var root = { level: "kabkota", code: cfg.rootCode || "", name: cfg.rootName || T.kabkota,
               bbox: cfg.bbox ? cfg.bbox.split(",").map(Number) : null };
  if (root.bbox) map.fitBounds(bboxBounds(root.bbox), FIT); else map.setView([-6.28, 106.99], 12);
  fetchJSON(areasUrl("kabkota")).then(function (fc) {  // the kab/kota itself: outline and panel
    fc.features.forEach(function (f) {
      if (f.properties.code === root.code) { root.props = f.properties; root.geometry = f.geometry; }
    });
  }).catch(function () { return null; }).then(function () { drill(root); });
})();
