/* With JavaScript, htmx refreshes the ballot summary at each change: the "update the total" button
   meant for browsers without JavaScript is hidden. */
(function () {
  "use strict";
  document.querySelectorAll(".no-js-only").forEach(function (el) { el.hidden = true; });
})();
