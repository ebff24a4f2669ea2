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
  // Long work (upload, TTS): one click only, and something on screen while the server works.
  // An upload goes through XMLHttpRequest so the page can show the bytes sent; the server's answer
  // (the new bulletin, or the form with its error) then replaces the page, as a normal post would.
  var lang = document.documentElement.lang || "vi";
  var bytes = function (n) {
    var units = ["B", "KB", "MB", "GB"], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
    return new Intl.NumberFormat(lang, {maximumFractionDigits: i ? 1 : 0}).format(n) + " " + units[i];
  };
  var swap = function (xhr) {
    document.open(); document.write(xhr.responseText); document.close();
    if (xhr.responseURL) { window.history.replaceState(null, "", xhr.responseURL); }
  };
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    // Every submit button (save, and "hear it first" on the TTS form) is held while one request runs.
    var box = form.querySelector(".busy"), buttons = form.querySelectorAll("button[type=submit]");
    var hold = function (held) { buttons.forEach(function (b) { b.disabled = held; }); };
    var bar = box.querySelector("progress"), text = box.querySelector(".busy-text");
    var input = form.querySelector("input[type=file]");
    var max = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
    if (input) { input.addEventListener("change", function () { input.setCustomValidity(""); }); }
    form.addEventListener("submit", function (ev) {
      var file = input && input.files[0];
      if (form.hasAttribute("data-sending")) { ev.preventDefault(); return; }
      if (file && max && file.size > max) {
        ev.preventDefault();
        input.setCustomValidity(form.getAttribute("data-too-big"));
        input.reportValidity();
        return;
      }
      form.setAttribute("data-sending", "");
      hold(true);
      box.hidden = false;
      if (!file || !window.FormData) { text.textContent = text.getAttribute("data-speaking"); return; }
      ev.preventDefault();
      var shown = function (sent, total) {
        bar.max = total; bar.value = sent;
        text.textContent = text.getAttribute("data-sending") + ": " + bytes(sent) + " / " + bytes(total);
      };
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) { shown(e.loaded, e.lengthComputable ? e.total : file.size); });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value"); text.textContent = text.getAttribute("data-working");
      });
      xhr.addEventListener("load", function () { swap(xhr); });
      xhr.addEventListener("error", function () {
        form.removeAttribute("data-sending"); hold(false); text.textContent = form.getAttribute("data-failed");
      });
      shown(0, file.size);
      xhr.send(new FormData(form));
    });
  });
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
  // Tables that turn into cards on a phone: each cell carries its column's name (see loa.css).
  document.querySelectorAll("table.stack-sm").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      Array.prototype.forEach.call(tr.children, function (cell, i) {
        if (cell.tagName === "TD" && !cell.hasAttribute("data-label") && !cell.hasAttribute("colspan") && heads[i]) {
          cell.setAttribute("data-label", heads[i]);
        }
      });
    });
  });
  // Pages that watch live state (emergency delivery) reload themselves.
  var refresh = document.querySelector("[data-refresh-seconds]");
  if (refresh) {
    var s = parseInt(refresh.getAttribute("data-refresh-seconds"), 10) || 10;
    window.setTimeout(function () { window.location.reload(); }, s * 1000);
  }
})();
