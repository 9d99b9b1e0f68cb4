// Answering an inspection (templates/inspections/_question_part.html): each answer is sent by
// htmx as it changes. When a send fails (no network, a server error) the answer stays on the
// page, marked "Not saved - tap to retry"; the retry sends the same fields with the same
// idempotency key, so a save that did reach the server is never doubled. Enter in a reading
// saves that answer (it would send the whole section, the form without JavaScript). The
// start form asks for the device's position; refusing it changes nothing.
(function () {
  "use strict";

  function answerForm(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.closest ? elt.closest(".answer-fields") : null;
  }

  function markUnsaved(event) {
    var form = answerForm(event);
    if (!form) return;
    var saved = form.querySelector(".saved");
    if (saved) saved.hidden = true;
    var retry = form.querySelector("button.retry");
    if (retry) retry.hidden = false;
  }

  function markSending(event) {
    var form = answerForm(event);
    if (!form) return;
    var retry = form.querySelector("button.retry");
    if (retry) retry.hidden = true;
  }

  document.addEventListener("htmx:sendError", markUnsaved);
  document.addEventListener("htmx:responseError", markUnsaved);
  document.addEventListener("htmx:beforeRequest", markSending);

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.matches || !input.matches(".answer-fields input")) return;
    event.preventDefault();
    input.blur();  // a changed value fires "change": its answer alone is saved
  });

  function askPosition(root) {
    var form = (root || document).querySelector
      ? (root || document).querySelector("form#start-inspection") : null;
    if (!form || !navigator.geolocation || form.dataset.positionAsked) return;
    form.dataset.positionAsked = "1";
    navigator.geolocation.getCurrentPosition(function (position) {
      form.querySelector("input[name=latitude]").value = position.coords.latitude;
      form.querySelector("input[name=longitude]").value = position.coords.longitude;
    }, function () { /* refused or unavailable: started without a position */ },
    { maximumAge: 60000, timeout: 10000 });
  }

  document.addEventListener("DOMContentLoaded", function () { askPosition(document); });
  document.addEventListener("htmx:load", function (event) { askPosition(event.target); });
})();
