// smarttask: task lists and the board. Every page works without this script: a card's Move
// button links to its own "Move to" page, quick create and "Load more" are plain forms and
// links. Here they get
// drag and drop, keyboard moves (m, then arrows, Enter / Escape), in-place quick create
// and focus that follows what was loaded. No inline handlers (the CSP forbids them).
(function () {
  "use strict";

  function say(text) {
    var region = document.getElementById("board-live");
    if (!region) {
      if (window.smarttask) window.smarttask.announce(text);
      return;
    }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function showError(html) {
    var flash = document.getElementById("flash");
    if (!flash) return;
    flash.innerHTML = html;
    window.setTimeout(function () { flash.replaceChildren(); }, 10000);
  }

  function keyOf(card) {
    var key = card.querySelector(".task-key");
    return key ? key.textContent.trim() : "The task";
  }

  function bump(status, delta) {
    document.querySelectorAll("[data-count-for='" + status + "']").forEach(function (count) {
      count.textContent = String(Math.max(0, (parseInt(count.textContent, 10) || 0) + delta));
    });
  }

  // Quick create: htmx puts the new card first; the form empties for the next one.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-quick-create")) return;
    if (!event.detail.successful) return;
    form.reset();
    var title = form.querySelector("[name='title']");
    if (title) title.focus();
    document.querySelectorAll("[data-empty-state]").forEach(function (note) { note.remove(); });
    if (form.querySelector("[name='view']").value === "board") bump("todo", 1);
    say("Task created.");
  });

  // A refused quick create comes back as the form with its error: focus the field.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    if (target && target.id === "quick-create") {
      var invalid = target.querySelector("[aria-invalid='true']");
      if (invalid) invalid.focus();
    }
  });

  // "Load more": focus the first card that came in.
  var before = 0;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-load-more")) {
      var list = document.getElementById("task-list");
      before = list ? list.children.length : 0;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "task-list" || event.detail.requestConfig.verb !== "get") return;
    var first = target.children[before];
    var link = first && first.querySelector(".task-title");
    if (link) link.focus();
    say((target.children.length - before) + " more tasks loaded.");
  });

  // Live: when a teammate creates, changes or deletes a task of this project (live.js sends
  // the board a `live` event), the columns are read again from this page's own address and
  // their cards and counts replaced. Not while a card is being moved here: after it.
  var live = document.querySelector("[data-board][data-live]");
  var refreshing = false;
  var again = false;
  var liveTimer = null;

  function moveUnderWay() {
    return Boolean(live && (live.querySelector(".dragging, .moving, [aria-busy='true']") ||
      (document.getElementById("move-menu") && !document.getElementById("move-menu").hidden)));
  }

  function refreshColumns() {
    if (refreshing || moveUnderWay()) {
      again = true;
      if (!refreshing) schedule(1000);
      return;
    }
    refreshing = true;
    again = false;
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        if (moveUnderWay()) { again = true; return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var focusedId = document.activeElement && document.activeElement.closest(".task-card")
          ? document.activeElement.closest(".task-card").getAttribute("data-task-id") : null;
        fresh.querySelectorAll(".board-column[data-column]").forEach(function (column) {
          var status = column.getAttribute("data-column");
          var here = live.querySelector(".board-column[data-column='" + status + "']");
          if (!here) return;
          var cards = here.querySelector(".board-cards");
          var freshCards = column.querySelector(".board-cards");
          if (cards && freshCards) cards.replaceChildren.apply(cards, Array.prototype.slice.call(freshCards.childNodes).map(function (node) { return document.importNode(node, true); }));
          var more = here.querySelector(".column-more");
          var freshMore = column.querySelector(".column-more");
          if (more) more.remove();
          if (freshMore) here.appendChild(document.importNode(freshMore, true));
        });
        fresh.querySelectorAll("[data-count-for]").forEach(function (count, index) {
          var all = document.querySelectorAll("[data-count-for]");
          if (all[index]) all[index].textContent = count.textContent;
        });
        if (focusedId) {
          var card = live.querySelector(".task-card[data-task-id='" + focusedId + "']");
          if (card) card.focus();
        }
        if (window.htmx) window.htmx.process(live);
        live.setAttribute("data-live-refreshed", String((parseInt(live.getAttribute("data-live-refreshed"), 10) || 0) + 1));
      })
      .catch(function () { again = true; })
      .then(function () {
        refreshing = false;
        if (again) schedule(1000);
      });
  }

  function schedule(delay) {
    if (liveTimer !== null) window.clearTimeout(liveTimer);
    liveTimer = window.setTimeout(function () { liveTimer = null; refreshColumns(); }, delay);
  }

  if (live) live.addEventListener("live", function () { schedule(250); });

  var board = document.querySelector("[data-board][data-movable]");
  if (!board) {
    var readOnly = document.querySelector("[data-board]");
    if (readOnly) readOnly.setAttribute("data-ready", "");
    return;
  }

  function lists() { return Array.prototype.slice.call(board.querySelectorAll(".board-cards")); }
  function listOf(state) { return board.querySelector(".board-cards[data-state='" + state + "']"); }
  function nameOf(list) { return list.closest("[data-column]").getAttribute("data-name"); }
  function keyOfColumn(list) { return list.closest("[data-column]").getAttribute("data-column"); }
  function place(card) {
    return { parent: card.parentNode, next: card.nextSibling, column: keyOfColumn(card.parentNode) };
  }
  // The cards around a card in its column: the server places it between them (by rank).
  function neighbour(card, forward) {
    var node = forward ? card.nextElementSibling : card.previousElementSibling;
    while (node && !node.classList.contains("task-card")) {
      node = forward ? node.nextElementSibling : node.previousElementSibling;
    }
    return node;
  }

  function restore(card, origin) {
    var next = origin.next && origin.next.parentNode === origin.parent ? origin.next : null;
    origin.parent.insertBefore(card, next);
    card.removeAttribute("aria-busy");
  }

  // The board's one "Move to" menu (its CSRF token serves every move).
  var menu = document.getElementById("move-menu");
  var menuHome = menu.parentNode;

  function send(card) {
    var data = new URLSearchParams(new FormData(menu));
    var after = neighbour(card, false);
    var before = neighbour(card, true);
    data.set("state_id", card.parentNode.getAttribute("data-state"));
    if (after) data.set("after_id", after.getAttribute("data-task-id"));
    else data.delete("after_id");
    if (before) data.set("before_id", before.getAttribute("data-task-id"));
    else data.delete("before_id");
    return fetch("/tasks/" + encodeURIComponent(card.getAttribute("data-task-id")) + "/move", {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: {
        "HX-Request": "true",
        "HX-Current-URL": window.location.href,
        "X-CSRF-Token": data.get("csrf_token") || ""
      }
    }).then(function (response) {
      var redirect = response.headers.get("HX-Redirect");
      if (redirect) {
        window.location.assign(redirect);
        return { ok: false, html: "" };
      }
      return response.text().then(function (html) { return { ok: response.ok, html: html }; });
    });
  }

  // Save a card already shown in its new place; a refusal puts it back and says why.
  function commit(card, origin) {
    var hadFocus = card.contains(document.activeElement) || document.activeElement === document.body;
    if (card.parentNode === origin.parent && card.nextSibling === origin.next) {
      restore(card, origin);
      return;
    }
    var key = keyOf(card);
    var target = card.parentNode;
    var column = keyOfColumn(target);
    card.setAttribute("aria-busy", "true");
    send(card).then(function (answer) {
      if (!answer.ok) {
        restore(card, origin);
        if (answer.html) showError(answer.html);
        say("Could not move " + key + "; it is back in " + nameOf(origin.parent) + ".");
        if (hadFocus) card.focus();
        return;
      }
      var template = document.createElement("template");
      template.innerHTML = answer.html.trim();
      var fresh = template.content.firstElementChild;
      if (fresh && card.parentNode) {
        card.replaceWith(fresh);
        card = fresh;
      }
      if (column !== origin.column) {
        bump(origin.column, -1);
        bump(column, 1);
      }
      say("Moved " + key + " to " + nameOf(target) + (column === origin.column ? ", in its new place." : "."));
      if (hadFocus) card.focus();
    }, function () {
      restore(card, origin);
      say("The server could not be reached; " + key + " is back in " + nameOf(origin.parent) + ".");
      if (hadFocus) card.focus();
    });
  }

  // Drag and drop (native HTML5), onto any part of a column.
  var dragged = null;
  var dragOrigin = null;

  function columnList(node) {
    var column = node instanceof Element ? node.closest("[data-column]") : null;
    return column ? column.querySelector(".board-cards") : null;
  }

  function cardBelow(list, y) {
    var cards = list.querySelectorAll(".task-card:not(.dragging)");
    for (var i = 0; i < cards.length; i++) {
      var box = cards[i].getBoundingClientRect();
      if (y < box.top + box.height / 2) return cards[i];
    }
    return null;
  }

  function unmark() {
    board.querySelectorAll(".drop-target").forEach(function (column) { column.classList.remove("drop-target"); });
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target instanceof Element ? event.target.closest(".task-card.movable") : null;
    if (!card || card.getAttribute("aria-busy") === "true") return;
    dragged = card;
    dragOrigin = place(card);
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-task-id"));
    card.classList.add("dragging");
  });

  board.addEventListener("dragover", function (event) {
    var list = dragged && columnList(event.target);
    if (!list) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    var column = list.closest("[data-column]");
    if (!column.classList.contains("drop-target")) {
      unmark();
      column.classList.add("drop-target");
    }
  });

  board.addEventListener("drop", function (event) {
    var list = dragged && columnList(event.target);
    if (!list) return;
    event.preventDefault();
    var card = dragged;
    var origin = dragOrigin;
    list.insertBefore(card, cardBelow(list, event.clientY));
    card.classList.remove("dragging");
    unmark();
    dragged = null;
    commit(card, origin);
  });

  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    unmark();
  });

  // Keyboard: m on a focused card, arrows pick the column, Enter saves, Escape cancels.
  var moving = null;

  function start(card) {
    moving = { card: card, origin: place(card) };
    card.classList.add("moving");
    say("Moving " + keyOf(card) + ", now in " + nameOf(card.parentNode) +
      ". Left and right arrows choose a column, up and down a place, Enter saves, Escape cancels.");
  }

  function shift(up) {
    var card = moving.card;
    var other = neighbour(card, !up);
    if (!other) {
      say(keyOf(card) + " is " + (up ? "first" : "last") + " in " + nameOf(card.parentNode) + ".");
      return;
    }
    card.parentNode.insertBefore(card, up ? other : other.nextSibling);
    card.focus();
    var after = neighbour(card, false);
    say(after ? "After " + keyOf(after) + "." : "First in " + nameOf(card.parentNode) + ".");
  }

  function step(delta) {
    var all = lists();
    var card = moving.card;
    var here = all.indexOf(card.parentNode);
    var there = here + delta;
    if (there < 0 || there >= all.length) {
      say(nameOf(all[here]) + " is the " + (delta < 0 ? "first" : "last") + " column.");
      return;
    }
    all[there].insertBefore(card, all[there].firstChild);
    card.focus();
    if (card.scrollIntoView) card.scrollIntoView({ block: "nearest", inline: "nearest" });
    say(nameOf(all[there]) + ".");
  }

  function finish(save, refocus) {
    var current = moving;
    moving = null;
    current.card.classList.remove("moving");
    if (save) {
      commit(current.card, current.origin);
      return;
    }
    restore(current.card, current.origin);
    if (refocus) current.card.focus();
    say("Move cancelled; " + keyOf(current.card) + " stays in " + nameOf(current.origin.parent) + ".");
  }

  document.addEventListener("keydown", function (event) {
    if (moving) {
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") step(event.key === "ArrowLeft" ? -1 : 1);
      else if (event.key === "ArrowUp" || event.key === "ArrowDown") shift(event.key === "ArrowUp");
      else if (event.key === "Enter") finish(true);
      else if (event.key === "Escape") finish(false, true);
      else if (event.key === "Tab") { finish(false, true); return; }
      else return;
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    if ((event.key !== "m" && event.key !== "M") || event.ctrlKey || event.metaKey || event.altKey) return;
    var card = event.target;
    if (!(card instanceof Element) || !card.matches(".task-card.movable") || card.getAttribute("aria-busy") === "true") return;
    event.preventDefault();
    event.stopPropagation();
    start(card);
  }, true);

  document.addEventListener("focusin", function (event) {
    if (moving && event.target !== moving.card) finish(false, false);
  });

  // A card's Move button opens the menu in that card; the same move, without leaving the page.
  var menuCard = null;

  function closeMenu(refocus) {
    var card = menuCard;
    menuCard = null;
    menu.hidden = true;
    menuHome.appendChild(menu);
    if (card && refocus) {
      var link = card.querySelector(".move-link");
      if (link) link.focus();
    }
  }

  function openMenu(card) {
    if (menuCard) closeMenu(false);
    menuCard = card;
    menu.querySelector("[data-move-key]").textContent = keyOf(card);
    menu.elements.namedItem("state_id").value = card.parentNode.getAttribute("data-state");
    card.appendChild(menu);
    menu.hidden = false;
    menu.elements.namedItem("state_id").focus();
  }

  board.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest(".move-link") : null;
    if (!link) return;
    var card = link.closest(".task-card");
    if (!card || card.getAttribute("aria-busy") === "true") return;
    event.preventDefault();
    openMenu(card);
  });

  menu.querySelector("[data-move-cancel]").addEventListener("click", function () { closeMenu(true); });
  menu.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    event.preventDefault();
    event.stopPropagation();
    closeMenu(true);
  });

  menu.addEventListener("submit", function (event) {
    event.preventDefault();
    var card = menuCard;
    if (!card) return;
    var state = menu.elements.namedItem("state_id").value;
    closeMenu(false);
    var origin = place(card);
    var list = listOf(state);
    if (!list || list === card.parentNode) {
      say(keyOf(card) + " is already in " + nameOf(card.parentNode) + ".");
      card.focus();
      return;
    }
    list.insertBefore(card, list.firstChild);
    card.focus();
    commit(card, origin);
  });
  // Every handler is attached: the board is interactive (bench/web_load.py waits for this).
  board.setAttribute("data-ready", "");
})();
