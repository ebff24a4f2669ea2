// Loa central: small progressive enhancements only; every page works without this file.
(function () {
  "use strict";
  // Phone navigation toggle.
  var toggle = document.querySelector(".navtoggle");
  var nav = document.querySelector("nav.mainnav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  // Confirm dangerous actions (emergency, withdraw, delete).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
  // Schedule form: show only the fields of the chosen recurrence form.
  var kind = document.getElementById("rule_kind");
  if (kind) {
    var sync = function () {
      document.querySelectorAll("[data-rule]").forEach(function (el) {
        var kinds = el.getAttribute("data-rule").split(" ");
        el.hidden = kinds.indexOf(kind.value) < 0;
      });
    };
    kind.addEventListener("change", sync);
    sync();
  }
  // Times of day: any number; "add a time" clones the last box.
  document.querySelectorAll("[data-add-time]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var boxes = button.parentNode.querySelectorAll("input[type=time]");
      var last = boxes[boxes.length - 1].parentNode;
      var copy = last.cloneNode(true);
      var input = copy.querySelector("input");
      var label = copy.querySelector("label");
      input.value = "";
      input.id = input.id.replace(/\d+$/, "") + boxes.length;
      if (label) { label.setAttribute("for", input.id); }
      button.parentNode.insertBefore(copy, button);
      input.focus();
    });
  });
  // Pages that watch live state (emergency delivery) reload themselves.
  var refresh = document.querySelector("[data-refresh-seconds]");
  if (refresh) {
    var s = parseInt(refresh.getAttribute("data-refresh-seconds"), 10) || 10;
    window.setTimeout(function () { window.location.reload(); }, s * 1000);
  }
})();
