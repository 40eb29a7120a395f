// MiniBroker light-curve plot: a self-contained SVG plot (no library, no network).
// Reads the JSON in <script id="lc-data">, draws into #lc-plot; the controls in #lc-controls
// toggle bands, switch flux/magnitude, show the GP mean and 95% band, fold on a period, zoom.
// The GP is drawn only on the grid points the server marked "constrained" (an observation of the
// band within 2 fitted length scales), so season gaps stay blank; a fit not to trust is dashed.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var COLOURS = {u: "#6a5acd", g: "#78A5A3", r: "#CE5A57", i: "#E1B16A", z: "#444C5C", y: "#8b6bb1"};
  var UNIT = {zeroPoint: 27.5, name: "AB zero point 27.5"};   // replaced by the object's (data.fluxUnit)
  var W = 900, H = 420, M = {l: 70, r: 20, t: 15, b: 45};
  var dataEl = document.getElementById("lc-data");
  var root = document.getElementById("lc-plot");
  if (!dataEl || !root) return;
  var data = JSON.parse(dataEl.textContent);
  if (data.fluxUnit) UNIT = data.fluxUnit;
  var ZP = UNIT.zeroPoint;  // mag = ZP - 2.5 log10(flux): 27.5 for light-curve files, 31.4 for nJy
  var FLAGS = data.gpFlags || {};
  var bands = "ugrizy".split("").filter(function (b) {
    return data.photometry.some(function (p) { return p.pb === b; });
  });
  var state = {shown: {}, mag: false, gp: data.gp.length > 0, fold: false,
               period: data.period, zoom: null};
  bands.forEach(function (b) { state.shown[b] = true; });

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function ticks(lo, hi, n) {            // "nice" tick values between lo and hi
    var span = hi - lo, step = Math.pow(10, Math.floor(Math.log10(span / n)));
    [1, 2, 5, 10].some(function (m) { if (span / (step * m) <= n) { step *= m; return true; } return false; });
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(+v.toPrecision(12));
    return out;
  }
  function xOf(t) {
    if (!state.fold || !(state.period > 0)) return t;
    var ph = ((t - t0) / state.period) % 1;
    return ph < 0 ? ph + 1 : ph;
  }
  function yOf(f, e) {                   // [y, yerr] or null when a magnitude is undefined
    if (!state.mag) return [f, e];
    if (!(f > 0)) return null;
    return [ZP - 2.5 * Math.log10(f), 1.0857 * e / f];
  }
  var t0 = Math.min.apply(null, data.photometry.map(function (p) { return p.t; }));

  function render() {
    root.innerHTML = "";
    var svg = el("svg", {viewBox: "0 0 " + W + " " + H, width: "100%", role: "img",
                         "aria-label": "light curve of " + data.name, "class": "lc-svg"}, root);
    var pts = [];
    data.photometry.forEach(function (p) {
      if (!state.shown[p.pb]) return;
      var y = yOf(p.flux, p.dflux);
      if (y) pts.push({x: xOf(p.t), y: y[0], e: y[1], p: p});
    });
    var gp = [];
    if (state.gp && !state.fold) {
      data.gp.forEach(function (g, i) {
        if (!state.shown[g.pb]) return;
        var lo = yOf(g.flux - 2 * g.fluxErr, 0), hi = yOf(g.flux + 2 * g.fluxErr, 0), m = yOf(g.flux, 0);
        if (m && g.constrained !== false)
          gp.push({x: g.t, y: m[0], lo: lo ? lo[0] : null, hi: hi ? hi[0] : null, pb: g.pb, i: i});
      });
    }
    var xs = pts.map(function (q) { return q.x; }).concat(gp.map(function (q) { return q.x; }));
    var x0 = state.fold ? 0 : Math.min.apply(null, xs), x1 = state.fold ? 1 : Math.max.apply(null, xs);
    if (state.zoom) { x0 = state.zoom[0]; x1 = state.zoom[1]; }
    if (!(x1 > x0)) { x0 -= 1; x1 += 1; }
    var inX = function (x) { return x >= x0 && x <= x1; };
    var ys = [];
    pts.forEach(function (q) { if (inX(q.x)) ys.push(q.y); });   // values set the range; long error bars are clipped
    gp.forEach(function (q) { if (inX(q.x)) ys.push(q.y); });
    var y0 = ys.length ? Math.min.apply(null, ys) : 0, y1 = ys.length ? Math.max.apply(null, ys) : 1;
    if (!(y1 > y0)) { y0 -= 1; y1 += 1; }
    var pad = 0.05 * (y1 - y0); y0 -= pad; y1 += pad;
    var sx = function (x) { return M.l + (x - x0) / (x1 - x0) * (W - M.l - M.r); };
    var sy = function (y) {
      var f = (y - y0) / (y1 - y0);
      return state.mag ? M.t + f * (H - M.t - M.b) : H - M.b - f * (H - M.t - M.b);  // magnitudes: bright up
    };
    var axes = el("g", {"class": "axes"}, svg);
    ticks(x0, x1, 8).forEach(function (v) {
      el("line", {x1: sx(v), x2: sx(v), y1: M.t, y2: H - M.b, "class": "grid"}, axes);
      el("text", {x: sx(v), y: H - M.b + 16, "text-anchor": "middle"}, axes).textContent = v;
    });
    ticks(y0, y1, 6).forEach(function (v) {
      el("line", {x1: M.l, x2: W - M.r, y1: sy(v), y2: sy(v), "class": "grid"}, axes);
      el("text", {x: M.l - 6, y: sy(v) + 4, "text-anchor": "end"}, axes).textContent = v;
    });
    el("rect", {x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, "class": "frame"}, axes);
    el("text", {x: (M.l + W - M.r) / 2, y: H - 8, "text-anchor": "middle", "class": "label"}, axes).textContent =
      state.fold ? "phase (period " + (+state.period).toPrecision(6) + " d)" : "time (MJD)";
    el("text", {x: 16, y: (M.t + H - M.b) / 2, "text-anchor": "middle", "class": "label",
                transform: "rotate(-90 16 " + (M.t + H - M.b) / 2 + ")"}, axes).textContent =
      state.mag ? "magnitude (AB, zero point " + ZP + ")" : "flux (" + UNIT.name + ")";
    var clip = el("clipPath", {id: "lc-clip"}, svg);
    el("rect", {x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b}, clip);
    var plot = el("g", {"clip-path": "url(#lc-clip)"}, svg);
    bands.forEach(function (b) {
      var line = gp.filter(function (q) { return q.pb === b; });
      if (!line.length) return;
      // runs of consecutive grid rows: a row left out (unconstrained, no magnitude) breaks the curve
      var runs = [], run = [];
      line.forEach(function (q, k) {
        if (k && q.i !== line[k - 1].i + 1) { runs.push(run); run = []; }
        run.push(q);
      });
      runs.push(run);
      var dashed = FLAGS[b] !== undefined, bandD = "", meanD = "";
      runs.forEach(function (r) {
        var edge = r.filter(function (q) { return q.lo !== null && q.hi !== null; });
        if (edge.length > 1)
          bandD += "M" + edge.map(function (q) { return sx(q.x) + "," + sy(q.hi); })
            .concat(edge.slice().reverse().map(function (q) { return sx(q.x) + "," + sy(q.lo); })).join("L") + "Z";
        meanD += "M" + r.map(function (q) { return sx(q.x) + "," + sy(q.y); }).join("L");
      });
      if (bandD)
        el("path", {d: bandD, fill: COLOURS[b], "fill-opacity": dashed ? 0.08 : 0.18, "class": "gp-band",
                    "data-band": b}, plot);
      var mean = el("path", {d: meanD, stroke: COLOURS[b], fill: "none", "stroke-width": 1.5, "class": "gp-mean",
                             "data-band": b, "data-runs": runs.length}, plot);
      if (dashed) {
        mean.setAttribute("stroke-dasharray", "6 4");
        mean.setAttribute("class", "gp-mean gp-untrusted");
        el("title", {}, mean).textContent = "GP fit of " + b + " not to trust: " + FLAGS[b];
      }
    });
    pts.forEach(function (q) {
      var c = COLOURS[q.p.pb], x = sx(q.x);
      el("line", {x1: x, x2: x, y1: sy(q.y - q.e), y2: sy(q.y + q.e), stroke: c, "class": "err",
                  "data-band": q.p.pb}, plot);
      var dot = el("circle", {cx: x, cy: sy(q.y), r: 3, fill: c, "class": "pt", "data-band": q.p.pb}, plot);
      el("title", {}, dot).textContent = q.p.pb + "  t=" + q.p.t + "  flux=" + q.p.flux + " ± " + q.p.dflux;
    });
    // zoom: drag across the plot to zoom on a time range, double-click to reset
    var sel = el("rect", {y: M.t, height: H - M.t - M.b, width: 0, "class": "zoom-sel"}, svg);
    var start = null;
    function dataX(evt) {
      var r = svg.getBoundingClientRect(), px = (evt.clientX - r.left) / r.width * W;
      return x0 + (px - M.l) / (W - M.l - M.r) * (x1 - x0);
    }
    svg.addEventListener("mousedown", function (e) { start = dataX(e); e.preventDefault(); });
    svg.addEventListener("mousemove", function (e) {
      if (start === null) return;
      var a = sx(Math.min(start, dataX(e))), b = sx(Math.max(start, dataX(e)));
      sel.setAttribute("x", a); sel.setAttribute("width", b - a);
    });
    svg.addEventListener("mouseup", function (e) {
      if (start === null) return;
      var a = Math.min(start, dataX(e)), b = Math.max(start, dataX(e));
      start = null;
      if (b - a > (x1 - x0) / 200) { state.zoom = [a, b]; render(); } else { sel.setAttribute("width", 0); }
    });
    svg.addEventListener("dblclick", function () { state.zoom = null; render(); });
    root.setAttribute("data-points", pts.length);
  }

  // controls
  var ctl = document.getElementById("lc-controls");
  bands.forEach(function (b) {
    var lab = document.createElement("label");
    lab.className = "band-toggle";
    lab.style.borderColor = COLOURS[b];
    var box = document.createElement("input");
    box.type = "checkbox"; box.checked = true; box.id = "band-" + b; box.value = b;
    box.addEventListener("change", function () { state.shown[b] = box.checked; render(); });
    lab.appendChild(box);
    lab.appendChild(document.createTextNode(" " + b));
    ctl.querySelector(".bands").appendChild(lab);
  });
  function bind(id, fn) { var e = document.getElementById(id); if (e) e.addEventListener("change", function () { fn(e); render(); }); return e; }
  bind("lc-mag", function (e) { state.mag = e.checked; state.zoom = state.zoom; });
  var gpBox = bind("lc-gp", function (e) { state.gp = e.checked; });
  if (gpBox) { gpBox.checked = state.gp; gpBox.disabled = data.gp.length === 0; }
  var periodBox = document.getElementById("lc-period");
  if (periodBox && state.period) periodBox.value = state.period;
  bind("lc-fold", function (e) {
    state.fold = e.checked; state.zoom = null;
    var p = parseFloat(periodBox.value); state.period = p > 0 ? p : null;
    if (!state.period) state.fold = false, e.checked = false;
  });
  bind("lc-period", function (e) { var p = parseFloat(e.value); state.period = p > 0 ? p : null; state.zoom = null; });
  var reset = document.getElementById("lc-reset");
  if (reset) reset.addEventListener("click", function () { state.zoom = null; render(); });
  render();
})();
