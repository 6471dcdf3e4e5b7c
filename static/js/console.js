// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Copy buttons: data-copy names the input whose value to copy.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.getElementById(button.dataset.copy);
    if (!input) return;
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
    } else {
      input.select();
      document.execCommand("copy");
      done();
    }
  });

  // Time left in a role session: the server renders the seconds left, this counts them down
  // (from the page's own load time, so the browser's clock being off does not matter).
  var loaded = Date.now();
  var timers = document.querySelectorAll("[data-seconds-left]");
  function format(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }
  function tick() {
    var elapsed = Math.floor((Date.now() - loaded) / 1000);
    timers.forEach(function (el) {
      var left = Math.max(0, parseInt(el.dataset.secondsLeft, 10) - elapsed);
      el.textContent = left > 0 ? format(left) : "expired";
      el.classList.toggle("ending", left <= 300);
    });
  }
  if (timers.length) {
    tick();
    setInterval(tick, 1000);
  }

  // The user menu (a <details>, which opens and closes without script too): aria-expanded on its
  // button, closes on a click outside, on Escape (focus back on the button) and when focus
  // leaves it; the arrow keys move between its items.
  var menus = Array.prototype.slice.call(document.querySelectorAll("details[data-menu]"));
  menus.forEach(function (menu) {
    var summary = menu.querySelector("summary");
    function sync() { summary.setAttribute("aria-expanded", menu.open ? "true" : "false"); }
    function items() {
      return Array.prototype.slice.call(menu.querySelectorAll(".menu a[href], .menu button, .menu input[type=checkbox]"))
        .filter(function (el) { return !el.disabled && el.offsetParent !== null; });
    }
    sync();
    menu.addEventListener("toggle", sync);
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        event.preventDefault();
        menu.open = false;
        summary.focus();
        return;
      }
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      var list = items();
      if (!list.length) return;
      event.preventDefault();
      if (!menu.open) menu.open = true;
      var at = list.indexOf(document.activeElement);
      var next = event.key === "ArrowDown" ? at + 1 : (at < 0 ? list.length - 1 : at - 1);
      list[(next + list.length) % list.length].focus();
    });
    menu.addEventListener("focusout", function (event) {
      if (menu.open && event.relatedTarget && !menu.contains(event.relatedTarget)) menu.open = false;
    });
  });
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });

  // Forms marked data-submit-once (a delete): the button is disabled once the form is sent, so a
  // second click does not send it again (the server also refuses a confirmation sent twice).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-submit-once]") || event.defaultPrevented) return;
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      setTimeout(function () { button.disabled = true; }, 0); // after the browser took the button's value
    });
  });

  // Copy link in the navbar: optionally the link that also opens the current page.
  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-link-page]");
    if (!box) return;
    var input = document.getElementById(box.dataset.linkPage);
    if (input) input.value = box.checked ? input.dataset.pageLink : input.dataset.plainLink;
  });

  // The Switch Role page: keep the shareable link in step with the fields. The base URL comes
  // from the server's CONSOLE_BASE_URL, never from location.host.
  var form = document.getElementById("switch-form");
  var link = document.getElementById("switch-link");
  var linkField = document.getElementById("switch-link-field");
  if (!form || !link) return;
  var colors = ["F2B0A9", "FBC8AA", "EFDA95", "B7CA9D", "83D4E8"];
  function update() {
    var account = form.elements.account.value.trim(), roleName = form.elements.roleName.value.trim();
    // No link until it names an account and a role: an empty one would only open an empty form.
    if (linkField) linkField.hidden = !(account && roleName);
    if (!account || !roleName) {
      link.value = "";
      return;
    }
    var params = new URLSearchParams();
    params.set("account", account);
    params.set("roleName", roleName);
    var display = form.elements.displayName.value.trim().slice(0, 64);
    if (display) params.set("displayName", display);
    var checked = form.querySelector("input[name=color]:checked");
    if (checked && colors.indexOf(checked.value) >= 0) params.set("color", checked.value);
    // The server checks it again when the link is opened; here only obvious non-paths are left out.
    var landing = form.elements.redirect_uri ? form.elements.redirect_uri.value.trim() : "";
    if (landing.charAt(0) === "/" && landing.charAt(1) !== "/") params.set("redirect_uri", landing);
    link.value = form.dataset.baseUrl + "/switchrole?" + params.toString();
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
})();
