// List pages: show class names beside the class numbers in the facets of class columns.
// The plugin's body script calls portalLabelFacets({"0": "SNIa", ...}) once the page is parsed.
function portalLabelFacets(names) {
  "use strict";
  ["label", "trueLabel", "predicted"].forEach(function (column) {
    document.querySelectorAll('.facet-info[data-column="' + column + '"] li').forEach(function (li) {
      var node = li.querySelector("a:not(.cross)") || li.firstChild;
      if (!node) return;
      var text = node.textContent.trim(), value = text.split(/\s/)[0];
      if (names[value] && text.indexOf(names[value]) < 0) node.textContent = text.replace(value, value + " " + names[value]);
    });
  });
}
