// The invitation link carries its token in the fragment (#...), which a browser never sends to a
// server, so the token never lands in an access log. This script hands it to the server in the body
// of a POST instead, after taking it out of the address bar and the history.
(function () {
  "use strict";
  var token = window.location.hash.slice(1);
  var form = document.querySelector("form[data-join-open]");
  if (!token || !form) {
    return;
  }
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  form.querySelector("input[name=token]").value = decodeURIComponent(token);
  form.submit();
})();
