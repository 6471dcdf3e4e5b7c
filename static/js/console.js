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

  // The Switch Role page: keep the shareable link in step with the fields. The base URL comes
  // from the server's CONSOLE_BASE_URL, never from location.host.
  var form = document.getElementById("switch-form");
  var link = document.getElementById("switch-link");
  if (!form || !link) return;
  var colors = ["F2B0A9", "FBC8AA", "EFDA95", "B7CA9D", "83D4E8"];
  function update() {
    var params = new URLSearchParams();
    params.set("account", form.elements.account.value.trim());
    params.set("roleName", form.elements.roleName.value.trim());
    var display = form.elements.displayName.value.trim().slice(0, 64);
    if (display) params.set("displayName", display);
    var checked = form.querySelector("input[name=color]:checked");
    if (checked && colors.indexOf(checked.value) >= 0) params.set("color", checked.value);
    link.value = form.dataset.baseUrl + "/switchrole?" + params.toString();
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
})();
