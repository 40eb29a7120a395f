// Fills the object page's "percentile within class" cells from .../percentiles.json, fetched after
// the page has rendered (the class scan is the one slow query of the page).
(function () {
  "use strict";
  var table = document.getElementById("feature-table");
  if (!table) return;
  fetch(table.getAttribute("data-percentiles-url")).then(function (r) { return r.json(); }).then(function (pct) {
    table.querySelectorAll("td.pct").forEach(function (td) {
      var v = pct[td.getAttribute("data-feature")];
      if (v === null || v === undefined) { td.textContent = ""; return; }
      var bar = document.createElement("span");
      bar.className = "pct-bar";
      bar.style.width = v + "px";
      td.appendChild(bar);
      td.appendChild(document.createTextNode(" " + v));
    });
    table.setAttribute("data-percentiles-loaded", "1");
  });
})();
