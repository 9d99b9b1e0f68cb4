// Camera scanning on the stock screens (templates/stock/move.html): the browser's own
// BarcodeDetector where it has one, else the npm package @zxing/browser (static/vendor, built
// from package-lock; loaded only when the camera is first opened, as iOS Safari needs it).
// The camera stays open for the next scan; each scan beeps, buzzes where the phone can, and
// shows the code. The code goes where a hardware scanner would type it: the bin while it is
// empty, else the item; scanning the same item again adds one to the quantity (on a count's
// screen with "each scan adds one" ticked, each scan of an item is sent as one more).
(function () {
  "use strict";

  var REPEAT_MS = 1500;  // the camera sees a code many times a second: one scan per look
  var state = null;

  function beep() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      state.audio = state.audio || new Context();
      var tone = state.audio.createOscillator(), gain = state.audio.createGain();
      tone.frequency.value = 1760;
      gain.gain.value = 0.08;
      tone.connect(gain);
      gain.connect(state.audio.destination);
      tone.start();
      tone.stop(state.audio.currentTime + 0.08);
    } catch (error) { /* no sound: the buzz and the line still say it */ }
  }

  function form() { return document.getElementById("move_form"); }

  function put(code) {
    var target = form();
    if (!target) return;
    var bin = target.querySelector("[name=bin]"), item = target.querySelector("[name=item]");
    var quantity = target.querySelector("[name=quantity]");
    var adding = target.querySelector("[name=add]:checked");  // a count: each scan is one
    if (bin && !bin.value.trim()) {
      bin.value = code;
      if (item) item.focus();
    } else if (item && adding) {
      item.value = code;
      if (quantity) quantity.value = "1";
      target.requestSubmit();
    } else if (item && item.value.trim() === code && quantity) {
      quantity.value = String((parseFloat(quantity.value) || 0) + 1);  // +1 per scan
    } else if (item) {
      item.value = code;
      if (quantity) { quantity.focus(); quantity.select(); }
    }
  }

  function found(code) {
    var now = Date.now();
    if (!code || (code === state.last && now - state.at < REPEAT_MS)) return;
    state.last = code;
    state.at = now;
    beep();
    if (navigator.vibrate) navigator.vibrate(50);
    state.line.textContent = state.panel.getAttribute("data-scanned").replace("{code}", code);
    put(code);
  }

  function loadLibrary(url) {
    return new Promise(function (resolve, reject) {
      if (window.ZXingBrowser) { resolve(window.ZXingBrowser); return; }
      var script = document.createElement("script");
      script.src = url;
      script.onload = function () { resolve(window.ZXingBrowser); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function withDetector(video) {
    var detector = new window.BarcodeDetector();
    function look() {
      if (!state || state.video !== video) return;
      detector.detect(video).then(function (codes) {
        if (codes.length) found(codes[0].rawValue);
      }).catch(function () { /* a frame not ready yet */ }).then(function () {
        if (state && state.video === video) state.timer = setTimeout(look, 150);
      });
    }
    look();
  }

  function open(panel) {
    var video = panel.querySelector("video");
    state = {panel: panel, video: video, line: panel.querySelector("[data-scan-line]"),
             last: "", at: 0};
    panel.hidden = false;
    var constraints = {video: {facingMode: "environment"}, audio: false};
    if ("BarcodeDetector" in window) {
      navigator.mediaDevices.getUserMedia(constraints).then(function (stream) {
        state.stream = stream;
        video.srcObject = stream;
        return video.play();
      }).then(function () { withDetector(video); }).catch(failed);
    } else {
      loadLibrary(panel.getAttribute("data-library")).then(function (ZXing) {
        var reader = new ZXing.BrowserMultiFormatReader();
        return reader.decodeFromConstraints(constraints, video, function (result) {
          if (result) found(result.getText());
        });
      }).then(function (controls) { state.controls = controls; }).catch(failed);
    }
  }

  function failed() {
    if (!state) return;
    state.line.textContent = state.panel.getAttribute("data-no-camera");
  }

  function close() {
    if (!state) return;
    clearTimeout(state.timer);
    if (state.controls) state.controls.stop();
    if (state.stream) state.stream.getTracks().forEach(function (track) { track.stop(); });
    state.panel.hidden = true;
    state = null;
  }

  document.addEventListener("click", function (event) {
    var start = event.target.closest && event.target.closest("[data-camera-open]");
    if (start) {
      var panel = document.getElementById(start.getAttribute("aria-controls"));
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        panel.hidden = false;
        panel.querySelector("[data-scan-line]").textContent = panel.getAttribute("data-no-camera");
        return;
      }
      if (state) close(); else open(panel);
      return;
    }
    if (event.target.closest && event.target.closest("[data-camera-close]")) close();
  });
  window.addEventListener("pagehide", close);
})();
