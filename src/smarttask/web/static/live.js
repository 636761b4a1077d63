// smarttask live updates. Every signed-in page (body[data-live-user]) opens an EventSource to
// /live (the person's own stream), and a page of a workspace (body[data-workspace]) one to
// /workspaces/<id>/live. Pages work without this script; it only refreshes parts of them.
//
// The contract other scripts and templates rely on:
//   an element with data-live="<event types, space-separated>" receives the DOM event
//   `live` (detail = the event: {id, type, created_at, actor_id, data}) when such an event
//   arrives; data-live-task="<task id>" narrows it to events whose data.task.id is that
//   task, data-live-project="<project id>" to events about a task of that project (in it,
//   or moved in or out). So `hx-trigger="live"` makes an htmx element refresh itself.
//   While the person is typing in a form inside the element (focus in a field, or changes
//   not yet sent), the event waits until they leave it or send it.
//   An event of the person's own making (actor_id is theirs) that arrives within 10 s of a
//   change this page sent is this page's own echo: the answer to that change has already
//   redrawn what it touched, so it is not delivered (a refresh then could undo what they
//   opened meanwhile, such as a comment's editor). Other tabs, and elements waiting for a
//   job (data-live-fallback), still receive it.
//   After events may have been missed (the stream reset: the retention passed), every
//   [data-live] element receives `live` with detail {type: "reset"}. Elements with
//   data-live-fallback also receive {type: "resync"} when a stream (re)opens, and
//   {type: "poll"} every 15 s while no stream is available (no EventSource, or it failed).
// No inline script (the CSP forbids it); EventSource sends Last-Event-ID by itself when it
// reconnects; when it gives up, this script reconnects with a growing pause from the last id.
(function () {
  "use strict";
  var body = document.body;
  if (!body || !body.hasAttribute("data-live-user")) return;

  var FALLBACK_MS = 15000;
  var ECHO_MS = 10000;
  var me = body.getAttribute("data-live-user") || "";
  var lastSentAt = -Infinity; // when this page last sent a change (an htmx request not a GET)
  var KNOWN = ["task.created", "task.updated", "task.deleted", "comment.created", "comment.updated",
    "comment.deleted", "analysis.completed", "notification.created", "notification.read"];
  var MAX_PAUSE_MS = 60000;
  var streams = [];
  var pending = new Map(); // element -> the latest event it waits to receive
  var fallbackTimer = null;

  function matches(element, item) {
    var types = (element.getAttribute("data-live") || "").split(/\s+/);
    if (item.type !== "reset" && types.indexOf(item.type) < 0) return false;
    if (item.type === "reset") return true;
    var data = item.data || {};
    var task = data.task || {};
    var wantTask = element.getAttribute("data-live-task");
    if (wantTask && task.id !== wantTask) return false;
    var wantProject = element.getAttribute("data-live-project");
    if (wantProject) {
      var moved = (data.changes && data.changes.project_id) || {};
      if (task.project_id !== wantProject && moved.old !== wantProject && moved.new !== wantProject) return false;
    }
    return true;
  }

  function editing(element) {
    var active = document.activeElement;
    if (active && element.contains(active) && active.matches("input:not([type=hidden]):not([type=submit]):not([type=button]), textarea, select")) return true;
    return element.querySelector("form[data-live-dirty]") !== null;
  }

  function deliver(element, item) {
    if (!element.isConnected) return;
    if (editing(element)) { pending.set(element, item); return; }
    pending.delete(element);
    element.dispatchEvent(new CustomEvent("live", { detail: item }));
  }

  // A refresh asked for before the person started typing is not sent, or not swapped in,
  // if they are typing by then: it waits like the event did.
  function liveTrigger(event) {
    var config = event.detail && event.detail.requestConfig;
    var trigger = config && config.triggeringEvent;
    return trigger && trigger.type === "live" ? trigger : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var trigger = liveTrigger(event);
    var element = event.detail && event.detail.elt;
    if (trigger && element && editing(element)) {
      event.preventDefault();
      pending.set(element, trigger.detail);
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var trigger = liveTrigger(event);
    var element = event.detail && event.detail.elt;
    if (trigger && element && editing(element)) {
      event.detail.shouldSwap = false;
      pending.set(element, trigger.detail);
    }
  });

  function flushPending() {
    pending.forEach(function (item, element) { deliver(element, item); });
  }

  // The last events, for a while: a waiting element (data-live-fallback) put on the page
  // just after its event came (an htmx answer racing the job it started) still gets it.
  var RECENT_MS = 15000;
  var recent = [];

  document.addEventListener("htmx:beforeRequest", function (event) {
    var config = event.detail && event.detail.requestConfig;
    if (config && config.verb && config.verb !== "get") lastSentAt = Date.now();
  });

  function echo(item, now) {
    return me !== "" && item.actor_id === me && now - lastSentAt < ECHO_MS;
  }

  function dispatch(item) {
    var now = Date.now();
    recent.push({ at: now, item: item });
    while (recent.length && (recent.length > 50 || now - recent[0].at > RECENT_MS)) recent.shift();
    var own = echo(item, now);
    document.querySelectorAll("[data-live]").forEach(function (element) {
      if (own && !element.hasAttribute("data-live-fallback")) return;
      if (matches(element, item)) deliver(element, item);
    });
  }

  document.addEventListener("htmx:load", function (event) {
    var root = event.detail && event.detail.elt;
    if (!(root instanceof Element)) return;
    var waiting = Array.prototype.slice.call(root.querySelectorAll("[data-live][data-live-fallback]"));
    if (root.matches("[data-live][data-live-fallback]")) waiting.push(root);
    var now = Date.now();
    waiting.forEach(function (element) {
      recent.forEach(function (entry) {
        if (entry.replayed || now - entry.at > RECENT_MS || !matches(element, entry.item)) return;
        entry.replayed = true; // once: the answer it brings is at least as new as the event
        deliver(element, entry.item);
      });
    });
  });

  function toFallbacks(type) {
    document.querySelectorAll("[data-live-fallback]").forEach(function (element) {
      deliver(element, { type: type });
    });
  }

  // Typing in a form of a live element holds its refreshes back until it is sent or left.
  document.addEventListener("input", function (event) {
    var form = event.target instanceof Element ? event.target.closest("form") : null;
    if (form && form.closest("[data-live]")) form.setAttribute("data-live-dirty", "");
  });
  // Sent: the answer redraws the part, so the refreshes it held back are dropped (one sent
  // now could land after the answer and hide it, e.g. "this task changed meanwhile").
  document.addEventListener("submit", function (event) {
    var form = event.target instanceof Element ? event.target.closest("form") : null;
    if (!form) return;
    form.removeAttribute("data-live-dirty");
    pending.forEach(function (item, element) { if (element.contains(form)) pending.delete(element); });
  });
  document.addEventListener("reset", function (event) {
    var form = event.target instanceof Element ? event.target.closest("form") : null;
    if (form) form.removeAttribute("data-live-dirty");
    window.setTimeout(flushPending, 0);
  });
  document.addEventListener("focusout", function () { window.setTimeout(flushPending, 0); });
  document.addEventListener("htmx:afterSwap", function () { window.setTimeout(flushPending, 0); });

  function fallback(on) {
    if (on && fallbackTimer === null) {
      fallbackTimer = window.setInterval(function () { toFallbacks("poll"); }, FALLBACK_MS);
    } else if (!on && fallbackTimer !== null && streams.every(function (s) { return s.open; })) {
      window.clearInterval(fallbackTimer);
      fallbackTimer = null;
    }
  }

  function connect(stream) {
    var url = stream.url + (stream.lastId ? "?after=" + encodeURIComponent(stream.lastId) : "");
    var source = new EventSource(url);
    stream.source = source;
    source.onopen = function () {
      stream.open = true;
      stream.pause = 1000;
      body.setAttribute("data-live-state", "open");
      fallback(false);
      toFallbacks("resync");
    };
    source.onmessage = null;
    source.onerror = function () {
      stream.open = false;
      body.setAttribute("data-live-state", source.readyState === EventSource.CLOSED ? "closed" : "connecting");
      if (source.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
      fallback(true);
      window.setTimeout(function () { connect(stream); }, stream.pause);
      stream.pause = Math.min(stream.pause * 2, MAX_PAUSE_MS);
    };
    stream.listen(source);
  }

  function open(url) {
    var stream = { url: url, lastId: null, open: false, pause: 1000, source: null, listen: null };
    stream.listen = function (source) {
      // Named events (event: task.updated) reach only listeners of that name; the types are
      // open-ended, so every listener is added once per type the page asks for, plus reset.
      var types = { reset: true };
      KNOWN.forEach(function (type) { types[type] = true; });
      document.querySelectorAll("[data-live]").forEach(function (element) {
        (element.getAttribute("data-live") || "").split(/\s+/).forEach(function (type) {
          if (type) types[type] = true;
        });
      });
      Object.keys(types).forEach(function (type) {
        source.addEventListener(type, function (message) {
          if (message.lastEventId) stream.lastId = message.lastEventId;
          var item;
          try { item = JSON.parse(message.data); } catch (error) { return; }
          if (type === "reset") item = { type: "reset", id: message.lastEventId, data: item };
          dispatch(item);
        });
      });
    };
    streams.push(stream);
    connect(stream);
  }

  if (typeof window.EventSource !== "function") {
    fallback(true);
    return;
  }
  open("/live");
  var workspace = body.getAttribute("data-workspace");
  if (workspace) open("/workspaces/" + encodeURIComponent(workspace) + "/live");
  window.addEventListener("pagehide", function () {
    streams.forEach(function (stream) { if (stream.source) stream.source.close(); });
  });
})();
