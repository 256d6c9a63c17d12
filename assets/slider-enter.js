/* Portfolio Desk: the number box Dash 4 draws next to each dcc.Slider applies a typed value
 * only when the box loses focus (updatemode "mouseup"). Enter applies it too: the box is
 * blurred (Dash commits the value) and focused again, so the person can keep typing. */
(function () {
  document.addEventListener('keydown', function (event) {
    var box = event.target;
    if (event.key !== 'Enter' || !box || !box.classList || !box.classList.contains('dash-range-slider-input')) {
      return;
    }
    event.preventDefault();
    box.blur();
    box.focus();
  }, true);
})();
