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

// --- Lookup choosers (issue 13: CIs in the queue filters) ----------------------------------
// core.views.patterns.selects.LookupInput: <div class="lookup"> holds the hidden id, a search
// box (data-lookup-search) and its matches. A match button (data-pick) sets the id and the
// box's text; emptying the box clears the id. Either fires "change" on the hidden input, so
// a filter form refreshes its list.
(function () {
  "use strict";
  function changed(input) {
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-pick]");
    var lookup = button && button.closest(".lookup");
    if (!lookup) return;
    event.preventDefault();
    var hidden = lookup.querySelector("input[type=hidden]");
    var box = lookup.querySelector("[data-lookup-search]");
    var matches = lookup.querySelector(".lookup-matches");
    hidden.value = button.getAttribute("data-pick-value");
    if (box) {
      box.value = button.getAttribute("data-pick-label");
      box.focus();
    }
    if (matches) matches.innerHTML = "";
    changed(hidden);
  });
  document.addEventListener("input", function (event) {
    var box = event.target.closest && event.target.closest("[data-lookup-search]");
    var lookup = box && box.closest(".lookup");
    if (!lookup || box.value !== "") return;
    var hidden = lookup.querySelector("input[type=hidden]");
    var matches = lookup.querySelector(".lookup-matches");
    if (matches) matches.innerHTML = "";
    if (hidden.value !== "") {
      hidden.value = "";
      changed(hidden);
    }
  });
})();
