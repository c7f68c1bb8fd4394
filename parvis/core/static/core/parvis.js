/* Progressive enhancement shared by every page. Pages work without it. */
(function () {
  "use strict";
  // Confirm destructive actions declared with data-confirm (no inline script: CSP forbids it).
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  // Tables wider than a phone scroll sideways: their wrapper must be reachable with the keyboard
  // and named for screen readers (WCAG 2.1.1). Named after the table's caption when there is one.
  document.querySelectorAll(".table-scroll").forEach(function (wrapper) {
    if (!wrapper.hasAttribute("tabindex")) { wrapper.setAttribute("tabindex", "0"); }
    if (!wrapper.hasAttribute("role")) { wrapper.setAttribute("role", "region"); }
    var caption = wrapper.querySelector("caption");
    if (!wrapper.hasAttribute("aria-label") && !wrapper.hasAttribute("aria-labelledby") && caption) {
      wrapper.setAttribute("aria-label", caption.textContent.trim());
    }
  });
})();
