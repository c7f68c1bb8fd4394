/* Progressive enhancement shared by every page. Pages work without it. */
(function () {
  "use strict";
  // Confirm destructive actions declared with data-confirm (no inline script: CSP forbids it).
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
