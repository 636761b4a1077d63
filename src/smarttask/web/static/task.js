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
