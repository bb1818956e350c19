// Portico — small progressive enhancements. No framework; every page works without this file.
(function () {
  "use strict";

  var root = document.documentElement;

  // ---- Theme ---------------------------------------------------------------------------
  // The server renders <html data-theme="light|dark|system">. CSS does the work: "dark"
  // forces the dark palette, anything else but "light" follows the OS preference. Here we only
  // normalise the value and let a settings page preview a choice before it is saved:
  // any <select data-theme-picker> or radio <input data-theme-picker> applies its value live.
  function normaliseTheme(t) {
    return t === "light" || t === "dark" ? t : "system";
  }

  function applyTheme(t) {
    root.dataset.theme = normaliseTheme(t);
  }

  applyTheme(root.dataset.theme);

  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.matches && el.matches("[data-theme-picker]")) {
      if (el.type === "radio" && !el.checked) return;
      applyTheme(el.value);
    }
  });

  // ---- Confirmations -------------------------------------------------------------------
  // <form data-confirm="Delete this project?"> (or a submit button with data-confirm) asks
  // before submitting. Capture phase, so it also runs before htmx handles hx-post forms.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement)) return;
    var submitter = e.submitter;
    var message =
      (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      e.preventDefault();
      e.stopPropagation();
    }
  }, true);

  // ---- CSRF for htmx requests ------------------------------------------------------------
  // Forms carry <input name="csrf">. For htmx requests that are not plain forms (hx-post on a
  // button, hx-delete, ...) copy the token from <meta name="csrf-token"> into the X-CSRF-Token
  // header, and into the "csrf" body field for methods that send a body.
  document.addEventListener("htmx:configRequest", function (e) {
    var d = e.detail;
    if (!d || d.verb === "get") return;
    var meta = document.querySelector('meta[name="csrf-token"]');
    var token = meta && meta.getAttribute("content");
    if (!token) return;
    d.headers["X-CSRF-Token"] = token;
    if (!d.useUrlParams && d.parameters.csrf === undefined) {
      d.parameters.csrf = token;
    }
  });

  // ---- Permissions page: side tabs and search by name -----------------------------------
  // Without JavaScript both sides show one under the other; with it, one tab at a time.
  function showSide(side) {
    try { sessionStorage.setItem("portico.side." + location.pathname, side); } catch (e) {}
    document.querySelectorAll("[data-side-panel]").forEach(function (p) {
      p.hidden = p.getAttribute("data-side-panel") !== side;
    });
    document.querySelectorAll("[data-side-tab]").forEach(function (t) {
      t.setAttribute("aria-selected", t.getAttribute("data-side-tab") === side ? "true" : "false");
    });
  }
  document.addEventListener("click", function (e) {
    var t = e.target.closest && e.target.closest("[data-side-tab]");
    if (t) showSide(t.getAttribute("data-side-tab"));
  });
  document.addEventListener("input", function (e) {
    if (!e.target.matches || !e.target.matches("[data-people-search]")) return;
    var q = e.target.value.trim().toLowerCase();
    document.querySelectorAll("tr[data-person]").forEach(function (row) {
      row.hidden = q !== "" && row.getAttribute("data-person").toLowerCase().indexOf(q) < 0;
    });
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-side-tab]")) {
      var saved = null;
      try { saved = sessionStorage.getItem("portico.side." + location.pathname); } catch (e) {}
      showSide(saved === "client" ? "client" : "provider");
    }
    document.querySelectorAll("select[id^='level-']").forEach(function (sel) { syncTracking(sel, true); });
  });

  // Track Time and Track Expenses need a Time & Expenses level or above: when the level picker
  // changes to View Tasks or Edit Tasks they are unticked and disabled (the server refuses them
  // anyway). On load, a box that is ticked stays as typed, so a refused save can be corrected.
  function syncTracking(select, initial) {
    var uid = select.id.slice("level-".length);
    var noTracking = select.value === "view_tasks" || select.value === "edit_tasks";
    document.querySelectorAll("input[name='access." + uid + "'][value^='track_']").forEach(function (box) {
      if (select.disabled) return;
      if (initial && box.checked) return;
      if (noTracking) box.checked = false;
      box.disabled = noTracking;
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("select[id^='level-']")) syncTracking(e.target, false);
  });

  // A reply being written as internal shows the amber band before it is sent.
  document.addEventListener("change", function (e) {
    if (!e.target.matches || !e.target.matches("input[name='internal']")) return;
    var form = e.target.closest("form");
    if (form) form.classList.toggle("internal-band", e.target.checked);
  });
})();
