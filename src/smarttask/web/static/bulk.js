// smarttask: the list view's bulk-edit bar. Without this script the bar is a plain form whose
// checkboxes sit on the cards; here it counts the checked tasks, checks every card of the
// page at once ("All on this page"). Moving to the trash asks nothing: it can be undone from
// the workspace's Trash page. No inline handlers (the CSP forbids them).
(function () {
  "use strict";

  function picks() {
    return Array.prototype.slice.call(document.querySelectorAll("input.bulk-pick"));
  }

  function update() {
    var count = document.querySelector("[data-bulk-count]");
    if (!count) return;
    var checked = picks().filter(function (box) { return box.checked; }).length;
    count.textContent = checked ? "(" + checked + " checked)" : "(none checked)";
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    if (target.hasAttribute("data-bulk-all")) {
      picks().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.hasAttribute("data-bulk-all") || target.classList.contains("bulk-pick")) update();
  });

  document.addEventListener("DOMContentLoaded", update);
  document.addEventListener("htmx:afterSwap", update);
})();
