// smarttask: behaviour every page shares. No inline handlers anywhere (the CSP forbids them):
// elements opt in with data- attributes. Pages work without this script; it adds shortcuts.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function announce(text, kind) {
    var area = document.getElementById("flash");
    if (!area) return;
    var note = document.createElement("div");
    note.className = "flash flash-" + (kind || "ok");
    note.setAttribute("role", kind === "error" ? "alert" : "status");
    note.textContent = text;
    area.replaceChildren(note);
    window.setTimeout(function () { if (note.parentNode) note.remove(); }, 6000);
  }
  window.smarttask = { announce: announce };

  // A select that navigates (the workspace switcher) submits its form on change.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.requestSubmit();
    }
  });

  // A plain form posts once: a second click while the first is under way does nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post") return;
    if (form.hasAttribute("hx-post")) return; // htmx guards its own requests
    if (form.getAttribute("data-submitting") === "1") { event.preventDefault(); return; }
    form.setAttribute("data-submitting", "1");
    window.setTimeout(function () { form.removeAttribute("data-submitting"); }, 4000);
  });

  // Copy buttons: data-copy-target names the element whose value or text is copied.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy-target]") : null;
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) return;
    var text = "value" in source ? source.value : source.textContent;
    navigator.clipboard.writeText(text.trim()).then(
      function () { announce("Copied to the clipboard."); },
      function () { if ("select" in source) source.select(); announce("Press Ctrl+C to copy.", "warn"); }
    );
  });

  // Keyboard shortcuts: c create, / search, b board, l list, ? help.
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape" && event.target instanceof HTMLElement) event.target.blur();
      return;
    }
    var target = null;
    if (event.key === "c") target = document.querySelector("[data-shortcut='create']");
    else if (event.key === "/") target = document.querySelector("[data-shortcut='search']");
    else if (event.key === "b") target = document.querySelector("a[data-shortcut='board']");
    else if (event.key === "l") target = document.querySelector("a[data-shortcut='list']");
    else if (event.key === "?") {
      var help = document.getElementById("shortcuts");
      if (help && typeof help.showModal === "function") { event.preventDefault(); help.showModal(); }
      return;
    }
    if (!target) return;
    event.preventDefault();
    if (target instanceof HTMLAnchorElement) { target.click(); return; }
    target.focus();
    if (target.scrollIntoView) target.scrollIntoView({ block: "center" });
  });

  // A workflow state's colour (data-color="#rrggbb") becomes its element's --state-color,
  // here and in whatever is added later (a board's columns read again): the CSP forbids
  // style attributes in the markup, not a style set through the DOM.
  var COLOUR = /^#[0-9a-fA-F]{6}$/;
  function paint(root) {
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-color]"));
    if (root.matches && root.matches("[data-color]")) found.push(root);
    found.forEach(function (element) {
      var value = element.getAttribute("data-color");
      if (COLOUR.test(value)) element.style.setProperty("--state-color", value);
    });
  }
  paint(document);
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) { if (node.nodeType === 1) paint(node); });
    });
  }).observe(document.body, { childList: true, subtree: true });

  // After htmx puts an error into the flash area, keep it readable for a while.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "flash") {
      window.setTimeout(function () { target.replaceChildren(); }, 10000);
    }
  });
})();
