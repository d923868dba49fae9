// Kalkan's pages work without this script; it only saves keystrokes.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // A menu that applies itself when changed (its button shows only without JavaScript).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // The verdict of a check takes the focus, so that it is read out and Escape-free.
  var verdict = document.getElementById("verdict");
  if (verdict) { verdict.focus(); }

  // The MRZ field: a passport reader types the lines, each ended by Enter. When the zone
  // is complete (2 lines of 44 or 36, or 3 of 30) the check is sent; Ctrl+Enter sends it too.
  var mrz = document.querySelector("textarea[data-mrz]");
  if (mrz) {
    var complete = function (text) {
      var lines = text.split(/\r?\n/).map(function (l) { return l.replace(/\s+/g, ""); }).filter(Boolean);
      var lengths = lines.map(function (l) { return l.length; }).join(",");
      return lengths === "44,44" || lengths === "36,36" || lengths === "30,30,30";
    };
    var sent = false;
    mrz.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        mrz.form.requestSubmit();
      }
    });
    mrz.addEventListener("input", function () {
      if (!sent && /\n\s*$/.test(mrz.value) && complete(mrz.value)) {
        sent = true;
        mrz.form.requestSubmit();
      }
    });
  }
})();
