// The stock screens (templates/stock/move.html), for one hand and a scanner: a hardware
// scanner types the code and Enter into the focused field. Enter in a scan field goes on to
// the next field rather than sending a half-filled line; Enter in the quantity sends it (on a
// count's screen with "each scan adds one" ticked, Enter after the item's code sends it).
// After a line is saved the next item is scanned into the same bin, so focus goes there.
(function () {
  "use strict";

  function fields(form) {
    return Array.prototype.slice.call(
      form.querySelectorAll("input:not([type=hidden]):not([type=checkbox]), select"));
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.form || !input.form.hasAttribute("data-scan-form")) return;
    if (input.getAttribute("enterkeyhint") !== "next") return;  // the quantity: send the line
    // a count where each scan adds one: the item's Enter sends the line (its quantity, 1)
    if (input.name === "item" && input.form.querySelector("[name=add]:checked")) return;
    var all = fields(input.form);
    var next = all[all.indexOf(input) + 1];
    if (!input.value.trim() || !next) return;
    event.preventDefault();
    next.focus();
    if (next.select) next.select();  // the quantity's 1 is typed over, or Enter sends it
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-plus-one]");
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-plus-one"));
    var value = parseFloat((input.value || "0").replace(",", ".")) || 0;
    input.value = String(value + 1);
  });

  // A saved line: a short buzz where the phone can, and the cursor back in the item field.
  // A screen reached by boosted navigation starts in its scan field too (app.js focuses
  // <main> after such a swap; this listener runs after it).
  document.addEventListener("htmx:afterSettle", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var form = document.getElementById("move_form");
    if (!form) return;
    var fromForm = source && source.hasAttribute && source.hasAttribute("data-scan-form");
    if (!fromForm && !event.detail.boosted) return;
    var saved = fromForm && event.detail.xhr && event.detail.xhr.status === 200;
    if (saved && navigator.vibrate) navigator.vibrate(40);
    var focus = form.querySelector("[autofocus]") || form.querySelector("input[aria-invalid=true]");
    if (!focus) return;
    focus.focus();
    // a scanner may already be typing the next code: selecting it would let the rest of the
    // code replace its start; only an untouched field is selected (to be typed over)
    if (focus.select && focus.value === focus.defaultValue) focus.select();
  });
})();
