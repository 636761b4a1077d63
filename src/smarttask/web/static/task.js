// The task page: after a save, every form of the page that carries the task's version gets
// the new one (the server names it in an HX-Trigger "task-version" event), so saving
// another form next is not mistaken for a stale edit.
(function () {
  "use strict";
  document.body.addEventListener("task-version", function (event) {
    var version = event.detail && event.detail.value;
    if (version === undefined || version === null) return;
    document.querySelectorAll("input[data-task-version]").forEach(function (input) {
      input.value = String(version);
    });
  });
})();

// "Load more" under the comments or the activity: say how many came in, and move the
// focus to the first of them (so that the keyboard carries on where the list grew).
(function () {
  "use strict";
  var counts = {};
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-more")) return;
    var list = document.querySelector(elt.getAttribute("hx-target"));
    if (list) counts[list.id] = list.children.length;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !(target.id in counts)) return;
    var before = counts[target.id];
    delete counts[target.id];
    var first = target.children[before];
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus();
    }
    var what = target.id === "comment-list" ? " more comments" : " older changes";
    if (window.smarttask) window.smarttask.announce((target.children.length - before) + what + " shown.");
  });
})();
