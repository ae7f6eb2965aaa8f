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

// --- Queues: bulk selection and the bulk form (issue 13) -----------------------------------
// <input data-select-all="FORM-ID">: (un)checks every row checkbox of that form; the form
// marked data-bulk-form counts the selection and shows only the fields of the chosen action
// (elements with data-bulk-for="action ..."). Without JavaScript every field stays shown.
(function () {
  "use strict";
  function bulkForm() { return document.querySelector("form[data-bulk-form]"); }
  function boxes(form) {
    return Array.prototype.slice.call(
      document.querySelectorAll('input[type="checkbox"][name="pick"][form="' + form.id + '"]'));
  }
  function refresh() {
    var form = bulkForm();
    if (!form) return;
    var picked = boxes(form).filter(function (b) { return b.checked; }).length;
    var count = form.querySelector("[data-bulk-count]");
    if (count) count.textContent = picked ? picked + " selected" : "Select requests to change several at once";
    form.classList.toggle("has-selection", picked > 0);
    var select = form.querySelector('select[name="action"]');
    var action = select ? select.value : "";
    var status = form.querySelector('select[name="status"]');
    Array.prototype.forEach.call(form.querySelectorAll("[data-bulk-for]"), function (el) {
      var wanted = el.getAttribute("data-bulk-status");
      el.hidden = (el.getAttribute("data-bulk-for") || "").split(" ").indexOf(action) < 0 ||
        (wanted !== null && (!status || status.value !== wanted));
    });
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el || !el.getAttribute) return;
    var all = el.getAttribute("data-select-all");
    if (all) {
      var form = document.getElementById(all);
      if (form) boxes(form).forEach(function (b) { b.checked = el.checked; });
    }
    var inBulk = el.form && el.form.hasAttribute("data-bulk-form");
    if (all || el.name === "pick" || (inBulk && (el.name === "action" || el.name === "status"))) refresh();
  });
  // Back to the list as it is now (htmx pushed the filters into the address bar).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-bulk-form")) return;
    var next = form.querySelector('input[name="next"]');
    if (next) next.value = window.location.pathname + window.location.search;
  });
  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSwap", refresh);
})();
