// Attachments: files go from the browser straight to storage. For each file picked in the
// labelled input or dropped on the zone ([data-upload]): ask the page for an upload
// (name, type, size -> a presigned {method, url, headers}), send the bytes with
// XMLHttpRequest (progress in the <progress> and, in words, in the status line), confirm
// the upload, then show the refreshed list of files. Refusals are said in words.
(function () {
  "use strict";

  // Headers the browser sets by itself and refuses from scripts.
  var FORBIDDEN = /^(content-length|host|connection|expect|keep-alive|te|trailer|transfer-encoding|upgrade)$/i;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (error) {
      return "";
    }
  }

  function parts(zone) {
    return {
      progress: zone.querySelector(".upload-progress"),
      status: zone.querySelector(".upload-status"),
      target: document.getElementById(zone.getAttribute("data-upload-target") || "")
    };
  }

  function say(zone, text, kind) {
    var status = parts(zone).status;
    if (!status) return;
    status.textContent = text;
    status.className = "upload-status small" + (kind ? " " + kind : "");
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), "Accept": "application/json" },
      body: body
    });
  }

  async function refusal(response, fallback) {
    var type = response.headers.get("content-type") || "";
    if (/^application\/(problem\+)?json/.test(type)) {
      var data = await response.json();
      if (data && (data.error || data.detail)) return data.error || data.detail;
    }
    if (response.status === 403) return "You cannot add files to this task.";
    if (response.status === 413) return "That file is too large.";
    if (response.status === 429) return "Too many uploads at once; wait a little and try again.";
    return fallback + " (error " + response.status + ")";
  }

  function send(zone, file, upload) {
    var progress = parts(zone).progress;
    return new Promise(function (resolve, reject) {
      var request = new XMLHttpRequest();
      var spoken = -1;
      request.open(upload.method, upload.url);
      Object.keys(upload.headers || {}).forEach(function (name) {
        if (!FORBIDDEN.test(name)) request.setRequestHeader(name, upload.headers[name]);
      });
      request.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) return;
        var percent = Math.round((event.loaded / event.total) * 100);
        if (progress) progress.value = percent;
        // The status line speaks every quarter, not every byte.
        var step = Math.floor(percent / 25);
        if (step !== spoken) {
          spoken = step;
          say(zone, "Uploading " + file.name + ": " + percent + " %");
        }
      });
      request.addEventListener("load", function () {
        if (request.status >= 200 && request.status < 300) resolve();
        else reject(new Error("The storage refused " + file.name + " (error " + request.status + ")."));
      });
      request.addEventListener("error", function () {
        reject(new Error("The upload of " + file.name + " failed: the connection was lost."));
      });
      request.send(file);
    });
  }

  function show(zone, html) {
    var target = parts(zone).target;
    if (!target) return;
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var fresh = holder.content.firstElementChild;
    if (!fresh) return;
    target.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
  }

  async function uploadOne(zone, file) {
    var progress = parts(zone).progress;
    var form = new URLSearchParams();
    form.set("filename", file.name);
    form.set("content_type", file.type || "application/octet-stream");
    form.set("size", String(file.size));
    say(zone, "Preparing " + file.name + "…");
    var declared = await post(zone.getAttribute("data-upload"), form);
    if (!declared.ok) {
      throw new Error(file.name + " cannot be attached: " + await refusal(declared, "it was refused"));
    }
    var ticket = await declared.json();
    if (progress) { progress.hidden = false; progress.value = 0; }
    await send(zone, file, ticket.upload);
    var done = await post(ticket.complete_url, new URLSearchParams());
    if (!done.ok) {
      throw new Error(file.name + " could not be confirmed: " + await refusal(done, "it was refused"));
    }
    show(zone, await done.text());
    say(zone, file.name + " is attached.", "ok");
  }

  async function uploadAll(zone, files) {
    var progress = parts(zone).progress;
    zone.setAttribute("aria-busy", "true");
    try {
      for (var i = 0; i < files.length; i += 1) {
        try {
          await uploadOne(zone, files[i]);
        } catch (error) {
          say(zone, error.message || String(error), "error-text");
          break;
        }
      }
    } finally {
      zone.removeAttribute("aria-busy");
      if (progress) progress.hidden = true;
    }
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    var zone = input.closest("[data-upload]");
    if (!zone || !input.files || !input.files.length) return;
    var files = Array.prototype.slice.call(input.files);
    input.value = "";
    uploadAll(zone, files);
  });

  function zoneOf(event) {
    return event.target instanceof Element ? event.target.closest("[data-upload]") : null;
  }

  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var zone = zoneOf(event);
      if (!zone) return;
      event.preventDefault();
      zone.classList.add("over");
    });
  });
  document.addEventListener("dragleave", function (event) {
    var zone = zoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("over");
  });
  document.addEventListener("drop", function (event) {
    var zone = zoneOf(event);
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("over");
    var files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length) uploadAll(zone, Array.prototype.slice.call(files));
  });
})();
