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

// "Load earlier comments" (put before the first) and "Load older changes" (after the last):
// say how many came in, and move the focus to the first of them, so that the keyboard
// carries on where the list grew.
(function () {
  "use strict";
  var pending = {};
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-more")) return;
    var list = document.querySelector(elt.getAttribute("hx-target"));
    if (list) pending[list.id] = { count: list.children.length, before: elt.getAttribute("data-more") === "before" };
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !(target.id in pending)) return;
    var was = pending[target.id];
    delete pending[target.id];
    var added = target.children.length - was.count;
    var first = target.children[was.before ? 0 : was.count];
    if (first && added > 0) {
      first.setAttribute("tabindex", "-1");
      first.focus();
    }
    var what = target.id === "comment-list" ? " earlier comments" : " older changes";
    if (window.smarttask) window.smarttask.announce(added + what + " shown.");
  });
})();

// Live (static/live.js): the task was deleted by someone else meanwhile: say so, and keep
// the page readable as it was.
(function () {
  "use strict";
  var gone = document.getElementById("task-gone");
  if (!gone) return;
  gone.addEventListener("live", function () {
    if (!gone.hidden) return;
    gone.hidden = false;
    document.querySelectorAll(".task-layout form button[type='submit']").forEach(function (button) {
      button.disabled = true;
    });
    if (window.smarttask) window.smarttask.announce("This task has just been deleted.", "warn");
  });
})();
