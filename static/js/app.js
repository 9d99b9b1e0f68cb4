// Fieldbook's own script: small progressive enhancements on top of htmx. No framework.
(function () {
  "use strict";

  // After a boosted swap: a form sent back with errors (422) shows its first invalid field,
  // focused; any other page starts at the top with focus on <main>, as a full load would.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.boosted) return;
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      var field = document.querySelector(
        "input[aria-invalid=true], select[aria-invalid=true], textarea[aria-invalid=true]");
      var target = field || document.querySelector("fieldset[aria-invalid=true], .error-summary");
      if (target) {
        target.scrollIntoView({ block: "center" });
        if (field) field.focus({ preventScroll: true });
      }
      return;
    }
    var main = document.getElementById("main");
    if (main) main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  });

  // A request that failed on the network (no answer at all): say so instead of doing nothing.
  // A form with a send row (macros/photos.html) says it next to its Send button instead.
  document.addEventListener("htmx:sendError", function (event) {
    var elt = event.detail && event.detail.elt;
    var form = elt && elt.closest && elt.closest("form");
    if (form && form.querySelector("[data-send-row]")) return;
    var flash = document.getElementById("flash");
    if (flash) {
      flash.innerHTML = "";
      var p = document.createElement("p");
      p.className = "flash flash-error";
      p.textContent = document.documentElement.lang === "zh-Hans"
        ? "无法连接服务器。请检查网络后重试，您填写的内容仍保留在页面上。"
        : "The server could not be reached. Check the connection and try again; what you typed is still on the page.";
      flash.appendChild(p);
    }
  });
})();
