// Signature pads (templates/inspections/_signature.html): the npm package signature_pad,
// loaded from static/vendor when a pad is on the page, started on every htmx swap that brings
// one (htmx:load). The drawing goes with the pad's request (htmx) as a PNG data URL, in the
// pad's hidden field; an empty pad is not sent.
(function () {
  "use strict";

  var waiting = [];
  var loading = false;

  function withLibrary(src, done) {
    if (window.SignaturePad) { done(); return; }
    waiting.push(done);
    if (loading) return;
    loading = true;
    var script = document.createElement("script");
    script.src = src;
    script.onload = function () { waiting.splice(0).forEach(function (f) { f(); }); };
    document.head.appendChild(script);
  }

  function start(canvas) {
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    var pad = new window.SignaturePad(canvas, { backgroundColor: "rgb(255, 255, 255)" });
    var holder = canvas.closest("[data-signature-form]");
    var message = holder.querySelector(".signature-message");
    var drawing = holder.querySelector("[data-signature-drawing]");
    holder.querySelector("[data-signature-clear]").addEventListener("click", function () {
      pad.clear();
    });
    // htmx has gathered the pad's field (hx-include): the drawing goes in it, or nothing goes.
    holder.addEventListener("htmx:configRequest", function (event) {
      if (pad.isEmpty()) {
        event.preventDefault();
        message.textContent = holder.dataset.empty;
        message.hidden = false;
        return;
      }
      message.hidden = true;
      drawing.value = pad.toDataURL("image/png");
      event.detail.parameters[drawing.name] = drawing.value;
    });
  }

  function startAll(root) {
    var pads = (root && root.querySelectorAll) ? root.querySelectorAll("canvas[data-signature-pad]") : [];
    Array.prototype.forEach.call(pads, function (canvas) {
      if (canvas.dataset.started) return;
      canvas.dataset.started = "1";
      var holder = canvas.closest("[data-signature-form]");
      var fallback = holder.previousElementSibling;
      if (fallback && fallback.hasAttribute("data-signature-fallback")) fallback.remove();
      holder.hidden = false;  // shown before it is measured (start)
      var folded = canvas.closest("details");
      if (folded && !folded.open) {  // no size until unfolded: start it then
        folded.addEventListener("toggle", function once() {
          folded.removeEventListener("toggle", once);
          withLibrary(canvas.dataset.library, function () { start(canvas); });
        });
        return;
      }
      withLibrary(canvas.dataset.library, function () { start(canvas); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { startAll(document); });
  document.addEventListener("htmx:load", function (event) { startAll(event.target); });
})();
