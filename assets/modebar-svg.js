/* Portfolio Desk: add a "Download plot as SVG" button next to plotly's PNG camera in every
 * chart's modebar, using the chart's own file name (config.toImageButtonOptions.filename).
 * Dash passes JSON configs, which cannot hold the click function a custom button needs,
 * so the button is added here by wrapping Plotly.newPlot / Plotly.react once plotly loads. */
(function () {
  var NAME = 'Download plot as SVG';
  // Not a second camera: an arrow into a tray, so PNG (camera) and SVG read as two buttons.
  var ICON = {width: 24, height: 24, path: 'M10 3h4v7h4l-6 7-6-7h4z M4 19h16v2H4z'};

  function svgButton(P) {
    return {
      name: NAME,
      title: NAME,
      icon: ICON,
      click: function (gd) {
        var opts = (gd._context && gd._context.toImageButtonOptions) || {};
        P.downloadImage(gd, {format: 'svg', filename: opts.filename || 'portfolio-desk-chart'});
      }
    };
  }

  function withButton(config, P) {
    var out = Object.assign({}, config || {});
    var extra = (out.modeBarButtonsToAdd || []).filter(function (b) { return !(b && b.name === NAME); });
    out.modeBarButtonsToAdd = extra.concat([svgButton(P)]);
    return out;
  }

  function install() {
    var P = window.Plotly;
    if (!P || !P.Icons) { return false; }
    if (P.__pdSvgButton) { return true; }
    ['newPlot', 'react'].forEach(function (fn) {
      var original = P[fn];
      P[fn] = function (gd, data, layout, config) {
        if (data && !Array.isArray(data) && typeof data === 'object' && ('data' in data || 'config' in data)) {
          var spec = Object.assign({}, data, {config: withButton(data.config, P)});
          return original.call(this, gd, spec);
        }
        return original.call(this, gd, data, layout, withButton(config, P));
      };
    });
    P.__pdSvgButton = true;
    return true;
  }

  if (!install()) {
    var timer = setInterval(function () { if (install()) { clearInterval(timer); } }, 25);
  }
})();
