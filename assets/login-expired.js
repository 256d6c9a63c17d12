/* Portfolio Desk, with login on (auth/): a callback refused with 401 means the session has ended
 * (logged out in another tab, password changed). Instead of leaving the page waiting, open the
 * login form, which comes back to this page. Without login no callback is ever refused. */
(function () {
  var send = window.fetch;
  window.fetch = function (input) {
    return send.apply(this, arguments).then(function (response) {
      var url = typeof input === 'string' ? input : (input && input.url) || '';
      if (response.status === 401 && url.indexOf('/_dash-update-component') !== -1) {
        window.location.assign('/login?next=' + encodeURIComponent(window.location.pathname + window.location.search));
      }
      return response;
    });
  };
})();
