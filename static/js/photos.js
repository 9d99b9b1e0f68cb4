// Photos on a form (templates/macros/photos.html): downscaled on the phone before sending,
// previewed, and sent with visible progress. Without JavaScript the original is sent.
(function () {
  "use strict";

  var MAX_SIDE = 2000;   // the server keeps at most 2048 px: nothing seen is lost
  var QUALITY = 0.8;

  function isPhoto(file) {
    return /^image\/(jpeg|png|webp|bmp|gif|heic|heif)$/.test(file.type);
  }

  // A smaller JPEG of the photo, turned upright (imageOrientation), on a white background
  // (a transparent PNG must not turn black); the original when that is not smaller.
  function downscale(file) {
    if (!isPhoto(file) || !window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified }));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });
  }

  // What sends the photos: the form, or inside a larger form (an inspection's section) the
  // block that posts its own photo ([data-photo-sender]).
  function senderOf(elt) {
    return elt && elt.closest ? elt.closest("[data-photo-sender], form") : null;
  }

  function sendRow(sender) { return sender && sender.querySelector("[data-send-row]"); }

  function say(row, text) {
    var status = row.querySelector("[data-send-status]");
    status.textContent = text;
    status.classList.toggle("error", text === row.dataset.offline);
  }

  function setBusy(row, busy) {
    row.querySelector("[data-send]").disabled = busy;
  }

  function showPreviews(input, files) {
    var list = input.closest("[data-photo-field]").querySelector("[data-photo-previews]");
    Array.prototype.forEach.call(list.querySelectorAll("img"), function (img) {
      URL.revokeObjectURL(img.src);
    });
    list.textContent = "";
    files.forEach(function (file) {
      var item = document.createElement("li");
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      var size = document.createElement("span");
      size.className = "muted small";
      size.textContent = Math.max(1, Math.round(file.size / 1024)) + " KB";
      item.appendChild(img);
      item.appendChild(size);
      list.appendChild(item);
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-photo-field] input[type=file]")) return;
    var row = sendRow(senderOf(input));
    var chosen = Array.prototype.slice.call(input.files);
    if (row) { setBusy(row, true); say(row, row.dataset.preparing); }
    Promise.all(chosen.map(downscale)).then(function (smaller) {
      if (window.DataTransfer) {
        var transfer = new DataTransfer();
        smaller.forEach(function (file) { transfer.items.add(file); });
        input.files = transfer.files;   // the form now sends the smaller photos
      }
      showPreviews(input, smaller);
    }).finally(function () {
      if (row) { setBusy(row, false); say(row, ""); }
    });
  });

  function formOf(event) {
    var elt = event.detail && event.detail.elt;
    return elt && (elt.tagName === "FORM" ? elt : senderOf(elt));
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = sendRow(formOf(event));
    if (!row) return;
    setBusy(row, true);
    say(row, row.dataset.sending + " 0%");
    var bar = row.querySelector("[data-send-progress]");
    bar.value = 0;
    bar.hidden = false;
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var row = sendRow(formOf(event));
    if (!row || !event.detail.lengthComputable || !event.detail.total) return;
    // The upload's progress, then the answer's: shown only ever growing.
    var bar = row.querySelector("[data-send-progress]");
    var percent = Math.max(bar.value, Math.floor(100 * event.detail.loaded / event.detail.total));
    say(row, row.dataset.sending + " " + percent + "%");
    bar.value = percent;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var row = sendRow(formOf(event));
    if (!row || !row.isConnected) return;   // replaced by the answer: nothing to reset
    setBusy(row, false);
    row.querySelector("[data-send-progress]").hidden = true;
    say(row, event.detail.successful || event.detail.xhr.status ? "" : row.dataset.offline);
  });

  // No answer at all (offline, dropped): said next to Send; the form keeps everything.
  document.addEventListener("htmx:sendError", function (event) {
    var row = sendRow(formOf(event));
    if (!row) return;
    setBusy(row, false);
    row.querySelector("[data-send-progress]").hidden = true;
    say(row, row.dataset.offline);
    event.detail.handledNextToSend = true;
  });
})();
