/* Filter the category list as the resident types (the search form works without it). */
(function () {
  "use strict";
  var input = document.getElementById("cat-q");
  var status = document.getElementById("cat-count");
  if (!input) { return; }
  function norm(text) { return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, ""); }
  input.addEventListener("input", function () {
    var q = norm(input.value.trim()), shown = 0;
    document.querySelectorAll("[data-family]").forEach(function (family) {
      var visible = 0;
      family.querySelectorAll("li[data-search]").forEach(function (li) {
        var match = !q || norm(li.dataset.search).indexOf(q) !== -1;
        li.hidden = !match;
        if (match) { visible += 1; }
      });
      family.hidden = visible === 0;
      shown += visible;
    });
    if (status) { status.textContent = (status.dataset.template || "%s").replace("%s", shown); }
  });
})();
