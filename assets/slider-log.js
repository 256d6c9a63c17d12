/* Portfolio Desk: tooltip transforms for dcc.Slider (tooltip={"transform": name}).
 * pow10: a slider over log10(x) shows x itself, to 3 significant digits, the same
 * rounding the page applies to the value it uses (see pages/tax.py, tax weight). */
window.dccFunctions = window.dccFunctions || {};
window.dccFunctions.pow10 = function (value) {
  return Number(Math.pow(10, value).toPrecision(3));
};
