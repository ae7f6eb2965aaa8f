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

/* --- Live updates (issue 13; core/live.py, docs/ARCHITECTURE.md "Live updates") ----------
   A page with [data-live-record] or [data-live-list] asks its own URL with ?_live=1 every
   data-live-interval milliseconds while the tab is visible (at once when it becomes
   visible again). A record page shows who else has it open and, when someone else
   changed it, a notice with a Reload link: it never replaces what the person is typing.
   A list reloads its results region (#list-results), keeping the checked boxes and the
   current row; the URL keeps filters, sort and page. */
(function () {
  "use strict";
  var timer = null;
  var busy = false;

  function visible() { return document.visibilityState === "visible"; }
  function liveElement() {
    return document.querySelector("[data-live-record]") || document.querySelector("[data-live-list]");
  }
  function pollUrl(params) {
    var url = new URL(window.location.href);
    url.hash = "";
    url.searchParams.set("_live", "1");
    Object.keys(params).forEach(function (key) { url.searchParams.set(key, params[key]); });
    return url.toString();
  }
  function getJSON(url, options) {
    var init = Object.assign(
      { credentials: "same-origin", headers: { Accept: "application/json", "X-Steward-Live": "1" } }, options || {}
    );
    return fetch(url, init).then(function (response) { return response.ok ? response.json() : null; });
  }

  // Form fields of the page's own forms (not the global search, not list filters).
  function pageFields() {
    return Array.prototype.filter.call(
      document.querySelectorAll("#main form textarea, #main form input, #main form select"),
      function (el) { return !el.closest("form.filters") && el.type !== "hidden" && el.type !== "submit"; }
    );
  }
  // What each field held when the page (or the htmx fragment) was drawn: a select with
  // no option marked "selected" shows its first one, so defaultSelected cannot tell.
  var drawn = new WeakMap();
  function valueOf(el) {
    if (el.type === "checkbox" || el.type === "radio") return el.checked;
    if (el.tagName === "SELECT") {
      return Array.prototype.filter.call(el.options, function (o) { return o.selected; })
        .map(function (o) { return o.value; }).join("\u0000");
    }
    return el.value;
  }
  function snapshot() {
    pageFields().forEach(function (el) { if (!drawn.has(el)) drawn.set(el, valueOf(el)); });
  }
  function dirty(el) { return drawn.has(el) && drawn.get(el) !== valueOf(el); }
  document.addEventListener("DOMContentLoaded", snapshot);
  document.addEventListener("htmx:afterSettle", snapshot);
  function isEditing() { return pageFields().some(dirty); }

  function renderPresence(root, people) {
    var box = root.querySelector("[data-live-presence]");
    if (!box) return;
    var text = people.map(function (p) { return p.name + (p.editing ? " is editing" : " is viewing"); }).join(" · ");
    if (box.textContent === text) return;
    box.textContent = "";
    people.forEach(function (p, i) {
      if (i) box.appendChild(document.createTextNode(" · "));
      var span = document.createElement("span");
      span.className = "presence" + (p.editing ? " is-editing" : "");
      span.textContent = p.name + (p.editing ? " is editing" : " is viewing");
      box.appendChild(span);
    });
  }

  function renderNotice(root, message) {
    var box = root.querySelector("[data-live-notice]");
    if (!box) return;
    var text = message + (isEditing() ? " Reloading discards what you typed here." : "");
    var current = box.querySelector("[data-live-notice-text]");
    if (current && current.textContent === text) return;
    box.textContent = "";
    var span = document.createElement("span");
    span.setAttribute("data-live-notice-text", "");
    span.textContent = text;
    var link = document.createElement("a");
    link.className = "button small primary";
    link.href = window.location.pathname + window.location.search;
    link.textContent = "Reload";
    box.appendChild(span);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(link);
    box.classList.add("is-shown");
  }

  function pollRecord(root) {
    var params = {
      version: root.dataset.liveVersion || "0",
      entry: root.dataset.liveEntry || "0",
      editing: isEditing() ? "1" : "0"
    };
    return getJSON(pollUrl(params)).then(function (data) {
      if (!data) return;
      renderPresence(root, data.presence || []);
      if (data.changed) {
        renderNotice(root, data.message);
      } else {
        root.dataset.liveVersion = data.version;  // the person's own change: no news
        root.dataset.liveEntry = data.entry;
      }
    });
  }

  function pollList(marker) {
    var params = { token: marker.dataset.liveToken || "", fingerprint: marker.dataset.liveFingerprint || "" };
    return getJSON(pollUrl(params)).then(function (data) {
      if (!data) return;
      if (!data.changed) {
        marker.dataset.liveToken = data.token || "";
        if (data.fingerprint) marker.dataset.liveFingerprint = data.fingerprint;
        return;
      }
      return refreshList();
    });
  }

  function refreshList() {
    var results = document.getElementById("list-results");
    if (!results) return;
    var active = document.activeElement;
    if (active && results.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) && active.type !== "checkbox") {
      return;  // someone is typing in the results region: try again next time
    }
    var checked = Array.prototype.map.call(
      results.querySelectorAll("input[type=checkbox]:checked"), function (cb) { return cb.name + "=" + cb.value; }
    );
    var currentRow = results.querySelector("tr.kbd-current a[href]");
    var currentHref = currentRow ? currentRow.getAttribute("href") : null;
    var hadFocus = currentRow && currentRow === active;
    var politeness = results.getAttribute("aria-live");
    results.setAttribute("aria-live", "off");  // the whole table read out again helps nobody
    // The whole page, not the htmx fragment: the queue tabs' counts change too. Only the
    // results region and the elements marked data-live-refresh are replaced.
    return fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var newResults = fresh.getElementById("list-results");
        if (!newResults) return;
        results.innerHTML = newResults.innerHTML;
        var old = document.querySelectorAll("[data-live-refresh]");
        var replacement = fresh.querySelectorAll("[data-live-refresh]");
        for (var i = 0; i < old.length && i < replacement.length; i++) old[i].innerHTML = replacement[i].innerHTML;
        if (window.htmx) {
          window.htmx.process(results);
          old.forEach(function (el) { window.htmx.process(el); });
        }
        results.querySelectorAll("input[type=checkbox]").forEach(function (cb) {
          if (checked.indexOf(cb.name + "=" + cb.value) >= 0 && !cb.checked) cb.click();
        });
        if (currentHref) {
          var link = results.querySelector('tbody a[href="' + currentHref.replace(/"/g, "") + '"]');
          var row = link && link.closest("tr");
          if (row) {
            row.classList.add("kbd-current");
            if (hadFocus) link.focus({ preventScroll: true });
          }
        }
        results.setAttribute("data-live-refreshed", String(Date.now()));
        document.dispatchEvent(new CustomEvent("steward:live-refreshed"));
      })
      .finally(function () { if (politeness) results.setAttribute("aria-live", politeness); });
  }

  function tick() {
    timer = null;
    if (!visible() || busy) return;
    var el = liveElement();
    if (!el) return;
    busy = true;
    var work = el.hasAttribute("data-live-record") ? pollRecord(el) : pollList(el);
    Promise.resolve(work).catch(function () { /* offline: try again later */ }).then(function () {
      busy = false;
      schedule();
    });
  }

  function schedule() {
    if (timer) clearTimeout(timer);
    timer = null;
    var el = liveElement();
    if (!el || !visible()) return;
    timer = setTimeout(tick, parseInt(el.dataset.liveInterval, 10) || 15000);
  }

  document.addEventListener("DOMContentLoaded", schedule);
  document.addEventListener("visibilitychange", function () {
    if (visible()) tick();
    else if (timer) { clearTimeout(timer); timer = null; }
  });
  // Closing a record page: others stop seeing this person at once.
  window.addEventListener("pagehide", function () {
    var root = document.querySelector("[data-live-record]");
    if (root) getJSON(pollUrl({ leave: "1" }), { keepalive: true }).catch(function () {});
  });
})();

/* --- Keyboard shortcuts (issue 13) ---------------------------------------------------
   "?" opens the list of shortcuts (a modal dialog: Escape closes it, focus returns).
   Lists: j / k next / previous row, Enter opens it, x ticks its checkbox (if the list
   has them). Record pages: r reply, a assign, e resolve (elements marked
   data-shortcut="r|a|e" win over the default targets), n / p next / previous record of
   the list the person came from, g then q back to that list. "/" search (above). Never
   while typing in a field. */
(function () {
  "use strict";
  var STORE = "steward.list";
  var pendingG = false;
  var gTimer = null;
  var SHORTCUTS = [
    ["Everywhere", [["?", "Show these shortcuts"], ["/", "Search"], ["g then q", "Back to the list you came from"]]],
    ["Lists and queues", [["j", "Next row"], ["k", "Previous row"], ["Enter", "Open the row"], ["x", "Select the row (where rows have a checkbox)"]]],
    ["Record pages", [["r", "Reply or add a note"], ["a", "Assign"], ["e", "Resolve"], ["n", "Next record of the list"], ["p", "Previous record of the list"]]]
  ];

  function typing(target) {
    if (!target) return false;
    var tag = (target.tagName || "").toLowerCase();
    if (target.isContentEditable) return true;
    if (tag === "textarea" || tag === "select") return true;
    if (tag !== "input") return false;
    return !/^(checkbox|radio|button|submit|reset)$/.test(target.type);
  }

  // --- the status line (what a shortcut could not do) ---
  function say(text) {
    var box = document.getElementById("kbd-status");
    if (!box) {
      box = document.createElement("div");
      box.id = "kbd-status";
      box.className = "kbd-status";
      box.setAttribute("role", "status");
      document.body.appendChild(box);
    }
    box.textContent = text;
    box.classList.add("is-shown");
    clearTimeout(box._hide);
    box._hide = setTimeout(function () { box.classList.remove("is-shown"); box.textContent = ""; }, 4000);
  }

  // --- lists ---
  function listRows() {
    return Array.prototype.filter.call(
      document.querySelectorAll("#list-results table.data tbody tr"),
      function (tr) { return tr.querySelector("a[href]"); }
    );
  }
  function pageLink(root, rel) {
    var link = root.querySelector('#list-results .pagination a[rel="' + rel + '"]');
    return link ? link.getAttribute("href") : null;
  }
  function listOf(root, url) {
    var title = root.querySelector("#main h1");
    var rows = Array.prototype.filter.call(
      root.querySelectorAll("#list-results table.data tbody tr"),
      function (tr) { return tr.querySelector("a[href]"); }
    );
    return {
      url: url,
      title: title ? title.textContent.trim() : "the list",
      items: rows.map(function (tr) { return tr.querySelector("a[href]").getAttribute("href"); }),
      next: pageLink(root, "next"),
      prev: pageLink(root, "prev")
    };
  }
  function store(list) {
    try { sessionStorage.setItem(STORE, JSON.stringify(list)); } catch (e) { /* n / p just say so */ }
  }
  function rememberList() {
    if (!listRows().length) return;
    store(listOf(document, window.location.pathname + window.location.search));
  }
  function remembered() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (e) { return null; }
  }
  function moveRow(step) {
    var rows = listRows();
    if (!rows.length) return false;
    var index = rows.findIndex(function (tr) { return tr.classList.contains("kbd-current"); });
    var next = index < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, index + step));
    rows.forEach(function (tr) { tr.classList.remove("kbd-current"); });
    rows[next].classList.add("kbd-current");
    rows[next].querySelector("a[href]").focus();
    rows[next].scrollIntoView({ block: "nearest" });
    return true;
  }
  function currentRow() { return document.querySelector("#list-results tr.kbd-current"); }

  // --- record pages ---
  function activate(key, fallbacks) {
    var target = document.querySelector('[data-shortcut="' + key + '"]');
    for (var i = 0; !target && i < fallbacks.length; i++) target = document.querySelector(fallbacks[i]);
    if (!target) return false;
    if (target.tagName === "DETAILS") {
      target.open = true;
      target.scrollIntoView({ block: "start" });
      var field = target.querySelector("select, textarea, input:not([type=hidden])");
      (field || target.querySelector("summary")).focus();
    } else if (/^(TEXTAREA|INPUT|SELECT)$/.test(target.tagName)) {
      target.scrollIntoView({ block: "center" });
      target.focus();
    } else {
      target.click();
    }
    return true;
  }
  function sibling(step) {
    var list = remembered();
    var here = window.location.pathname;
    var index = list ? list.items.indexOf(here) : -1;
    if (index < 0) { say("Open this record from a list to step through it with n and p."); return; }
    var next = list.items[index + step];
    if (next) { window.location.assign(next); return; }
    var page = step > 0 ? list.next : list.prev;
    if (!page) { say(step > 0 ? "This was the last one of " + list.title + "." : "This was the first one of " + list.title + "."); return; }
    // The neighbouring page of the list: read it, remember it, open its first (last) record.
    var url = new URL(page, window.location.origin + list.url);
    fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        var fresh = html && listOf(new DOMParser().parseFromString(html, "text/html"), url.pathname + url.search);
        if (!fresh || !fresh.items.length) { say("The list has changed: go back to it with g then q."); return; }
        store(fresh);
        window.location.assign(step > 0 ? fresh.items[0] : fresh.items[fresh.items.length - 1]);
      })
      .catch(function () { say("The list could not be read."); });
  }
  function goList() {
    var list = remembered();
    var crumb = document.querySelector(".breadcrumbs a[href]");
    var url = list ? list.url : crumb ? crumb.getAttribute("href") : null;
    if (url) window.location.assign(url);
    else say("No list to go back to.");
  }

  // --- the "?" dialog ---
  function dialog() {
    var box = document.getElementById("shortcuts-dialog");
    if (box) return box;
    box = document.createElement("dialog");
    box.id = "shortcuts-dialog";
    box.className = "shortcuts-dialog";
    box.setAttribute("aria-labelledby", "shortcuts-title");
    var heading = document.createElement("h2");
    heading.id = "shortcuts-title";
    heading.textContent = "Keyboard shortcuts";
    box.appendChild(heading);
    SHORTCUTS.forEach(function (group) {
      var h = document.createElement("h3");
      h.textContent = group[0];
      box.appendChild(h);
      var dl = document.createElement("dl");
      group[1].forEach(function (pair) {
        var dt = document.createElement("dt");
        pair[0].split(" then ").forEach(function (k, i) {
          if (i) dt.appendChild(document.createTextNode(" then "));
          var kbd = document.createElement("kbd");
          kbd.textContent = k;
          dt.appendChild(kbd);
        });
        var dd = document.createElement("dd");
        dd.textContent = pair[1];
        dl.appendChild(dt);
        dl.appendChild(dd);
      });
      box.appendChild(dl);
    });
    var note = document.createElement("p");
    note.className = "help";
    note.textContent = "Shortcuts do nothing while you type in a field.";
    box.appendChild(note);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "button";
    close.textContent = "Close";
    close.addEventListener("click", function () { box.close(); });
    box.appendChild(close);
    box.addEventListener("close", function () {
      if (box._opener && document.contains(box._opener)) box._opener.focus();
    });
    document.body.appendChild(box);
    return box;
  }
  function openHelp() {
    var box = dialog();
    if (box.open) return;
    box._opener = document.activeElement && document.activeElement !== document.body ? document.activeElement : document.getElementById("main");
    box.showModal();
    box.querySelector("button").focus();
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-shortcuts-open]")) {
      event.preventDefault();
      openHelp();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var open = document.getElementById("shortcuts-dialog");
    if (open && open.open) return;  // the dialog's own keys (Escape, Tab)
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      clearTimeout(gTimer);
      if (key === "q") { event.preventDefault(); goList(); }
      return;
    }
    var onList = !!document.getElementById("list-results");
    var onRecord = !!document.querySelector(".record-header");
    var done = true;
    if (key === "?") openHelp();
    else if (key === "g") { pendingG = true; gTimer = setTimeout(function () { pendingG = false; }, 1500); }
    else if (onList && key === "j") done = moveRow(1);
    else if (onList && key === "k") done = moveRow(-1);
    else if (onList && key === "x") {
      var row = currentRow();
      var box = row && row.querySelector("input[type=checkbox]");
      if (box) box.click(); else done = false;
    } else if (onList && key === "Enter" && event.target === document.body && currentRow()) {
      window.location.assign(currentRow().querySelector("a[href]").getAttribute("href"));
    } else if (onRecord && key === "r") done = activate("r", ["#timeline textarea", "#timeline form textarea"]);
    else if (onRecord && key === "a") done = activate("a", ["#step-assign"]) || (say("Assigning is not a next step here."), false);
    else if (onRecord && key === "e") done = activate("e", ["#step-resolve"]) || (say("Resolving is not a next step here."), false);
    else if (onRecord && key === "n") sibling(1);
    else if (onRecord && key === "p") sibling(-1);
    else done = false;
    if (done) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", rememberList);
  document.addEventListener("steward:live-refreshed", rememberList);
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "list-results") rememberList();
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

/* --- Accessibility and small screens (issue 13: error summary, filters toggle) --------- */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    // After a failed submit the error summary takes the focus: a screen reader reads it,
    // and its links lead to each field (instead of the focus staying on the page body).
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();

    // <button data-filters-toggle aria-controls="id">: on a phone a list's filters fold
    // away behind this button (the stylesheet hides them until opened).
    var toggle = document.querySelector("[data-filters-toggle]");
    var panel = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (toggle && panel) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = panel.classList.toggle("is-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
  });

  // A link of the error summary moves the focus into its field, not only the view.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
      if (field.scrollIntoView) field.scrollIntoView({ block: "center" });
    }
  });
})();
