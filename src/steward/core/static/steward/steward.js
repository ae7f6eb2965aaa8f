/* Steward: small progressive enhancements. Every page works without this file.
   Loaded without "defer" in <head> so the "js" class is set before the first paint
   (the narrow-screen menu is hidden by it); everything else waits for the DOM or listens
   on the document. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    // Navigation toggle on narrow screens.
    var toggle = document.querySelector(".nav-toggle");
    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = document.body.classList.toggle("nav-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
  });

  // Ask before destructive actions: <form data-confirm="Really?">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // "/" jumps to the global search box (not while typing somewhere).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) return;
    var box = document.getElementById("global-q");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });

  // Behaviour is declared with data- attributes, never inline handlers or hx-on: the
  // Content Security Policy allows no inline script and no eval.

  // <button data-print>: open the browser's print dialog (print views).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });

  // <input data-enter-stays>: Enter does not submit the surrounding form (a lookup box).
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.closest && event.target.closest("[data-enter-stays]")) {
      event.preventDefault();
    }
  });

  // <button hx-get=.. data-clear-after-request="#id">: empty that element once the
  // request is done (a list of matches closes after one was picked).
  document.addEventListener("htmx:afterRequest", function (event) {
    var source = event.detail && event.detail.elt;
    var selector = source && source.getAttribute && source.getAttribute("data-clear-after-request");
    var target = selector && document.querySelector(selector);
    if (target) target.innerHTML = "";
  });

  // After an htmx list update, show the "Clear" link only when filters are set.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail || !event.detail.target || event.detail.target.id !== "list-results") return;
    var clear = document.getElementById("clear-filters");
    var form = document.querySelector("form.filters");
    if (!clear || !form) return;
    var active = Array.prototype.some.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit") return false;
      return el.value && el.value !== "unknown";
    });
    clear.hidden = !active;
  });
})();

/* --- Record page: inline edit panel, step links, drag-and-drop uploads (issue 13) --- */
(function () {
  "use strict";

  // A link to #step-x (or to a field inside a closed <details>) opens it and the
  // "More" group around it.
  function openTarget() {
    var id = window.location.hash.slice(1);
    var target = id && document.getElementById(id);
    for (var el = target; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
    }
  }
  document.addEventListener("DOMContentLoaded", openTarget);
  window.addEventListener("hashchange", openTarget);

  // The Handling panel swapped to a field's form: focus its first field; back to the
  // values: focus the field's "Change" link again.
  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = event.detail && event.detail.target;
    if (!panel || panel.id !== "record-panel") return;
    var fresh = document.getElementById("record-panel");
    if (!fresh) return;
    var field = fresh.querySelector(".is-editing select, .is-editing input:not([type=hidden]), .is-editing textarea, .is-editing button");
    if (field) field.focus();
  });

  // <form data-dropzone> (core/partials/upload_form.html): files dropped on it are
  // uploaded; one goes through the form as if chosen, several one after the other.
  function zoneOf(event) {
    return event.target.closest && event.target.closest("[data-dropzone]");
  }
  document.addEventListener("dragover", function (event) {
    var zone = zoneOf(event);
    if (!zone) return;
    event.preventDefault();
    zone.classList.add("is-dragover");
  });
  document.addEventListener("dragleave", function (event) {
    var zone = zoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("is-dragover");
  });
  document.addEventListener("drop", function (event) {
    var zone = zoneOf(event);
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("is-dragover");
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length) return;
    var input = zone.querySelector("input[type=file]");
    var status = zone.querySelector(".dropzone-status");
    if (files.length === 1 && input) {
      input.files = files;
      if (status) status.textContent = "Uploading " + files[0].name + "…";
      if (zone.requestSubmit) zone.requestSubmit(); else zone.submit();
      return;
    }
    var index = 0;
    function send() {
      if (index >= files.length) {
        window.location.reload();
        return;
      }
      var data = new FormData(zone);
      data.set("file", files[index]);
      if (status) status.textContent = "Uploading " + (index + 1) + " of " + files.length + "…";
      index += 1;
      fetch(zone.action, { method: "POST", body: data, credentials: "same-origin" }).then(send, send);
    }
    send();
  });
})();

/* --- Parts of a page refreshed after a change made in place (issue 13) --- */
(function () {
  "use strict";
  // An htmx answer with "HX-Trigger: <event>" (record-changed: an inline edit;
  // record-noted: a note or reply): every element whose data-refresh-on names that event
  // and that has an id is replaced by its current version, read from the page again
  // (header, clocks, next steps, activity; the Handling panel's time spent).
  function refresh(name) {
    var parts = document.querySelectorAll("[data-refresh-on~='" + name + "'][id]");
    if (!parts.length) return;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        Array.prototype.forEach.call(parts, function (part) {
          var replacement = fresh.getElementById(part.id);
          if (!replacement || !part.isConnected) return;
          // Never replace what the person is working in.
          if (part.contains(document.activeElement) && document.activeElement !== document.body) return;
          part.replaceWith(replacement);
          if (window.htmx) window.htmx.process(replacement);
        });
      });
  }
  ["record-changed", "record-noted"].forEach(function (name) {
    document.addEventListener(name, function () { refresh(name); });
  });
})();
