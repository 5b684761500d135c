/* Legal service pages: give the consultation form the browser's device id (rate limits without storing
   it raw), and search again when the kind filter changes. No inline script, no eval. */
(function () {
  "use strict";
  var form = document.getElementById("consult-form");
  if (form && form.device) {
    var id = null;
    try { id = localStorage.getItem("siaga.device"); } catch (e) { /* private mode */ }
    if (window.SiagaPortal && window.SiagaPortal.deviceId) id = window.SiagaPortal.deviceId();
    form.device.value = id || "";
  }
  var kind = document.getElementById("jenis");
  var q = document.getElementById("q");
  if (kind && q) {
    kind.addEventListener("change", function () { if (q.value.trim()) kind.form.submit(); });
  }
})();
