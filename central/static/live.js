// Phát trực tiếp: the microphone → MediaRecorder (WebM/Opus, 200 ms slices) → POST each slice, in order,
// to /api/v1/live/<id>/audio; the central feeds Icecast and keeps the recording (services/live_feed.py).
(function () {
  "use strict";
  var form = document.getElementById("live-form");
  if (!form) { return; }
  var startBtn = document.getElementById("live-start");
  var stopBtn = document.getElementById("live-stop");
  var status = document.getElementById("live-status");
  var meter = document.getElementById("live-level");
  var csrf = form.dataset.csrf;
  var SLICE_MS = 200;
  var live = null, recorder = null, stream = null, queue = [], sending = false, seq = 0, stopping = false;
  var audioCtx = null, started = 0, timer = null;

  function say(text, bad) {
    status.textContent = text;
    status.className = bad ? "error" : "";
  }

  function post(url, body, json) {
    var headers = {"X-CSRFToken": csrf};
    if (json) { headers["Content-Type"] = "application/json"; body = JSON.stringify(body); }
    return fetch(url, {method: "POST", headers: headers, body: body, credentials: "same-origin"})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) { throw new Error(data.detail || data.title || ("HTTP " + r.status)); }
          return data;
        });
      });
  }

  function targets() {
    var pick = function (name) {
      return Array.prototype.map.call(form.querySelectorAll("input[name=" + name + "]:checked"),
                                      function (x) { return x.value; });
    };
    return {areas: pick("areas"), stations: pick("stations").map(Number)};
  }

  function micError(err) {
    if (!navigator.mediaDevices || !window.MediaRecorder) { return form.dataset.msgUnsupported; }
    if (err && (err.name === "NotAllowedError" || err.name === "SecurityError")) { return form.dataset.msgDenied; }
    if (err && (err.name === "NotFoundError" || err.name === "OverconstrainedError")) { return form.dataset.msgMissing; }
    return form.dataset.msgFailed + ": " + (err && err.message ? err.message : err);
  }

  function level(src) {
    try {
      audioCtx = new (window.AudioContext || window.webkitAudioContext)();
      var analyser = audioCtx.createAnalyser();
      analyser.fftSize = 512;
      audioCtx.createMediaStreamSource(src).connect(analyser);
      var data = new Uint8Array(analyser.fftSize);
      meter.hidden = false;
      var tick = function () {
        if (!recorder) { return; }
        analyser.getByteTimeDomainData(data);
        var peak = 0;
        for (var i = 0; i < data.length; i++) { peak = Math.max(peak, Math.abs(data[i] - 128) / 128); }
        meter.value = peak;
        window.requestAnimationFrame(tick);
      };
      tick();
    } catch (e) { meter.hidden = true; }
  }

  function pump() {
    if (sending || !queue.length) {
      if (!sending && !queue.length && stopping) { finish(); }
      return;
    }
    sending = true;
    var blob = queue.shift();
    var body = new FormData();
    body.append("chunk", blob, "chunk.webm");
    body.append("seq", String(seq++));
    post("/api/v1/live/" + live.id + "/audio", body, false)
      .catch(function (e) { say(form.dataset.msgFailed + ": " + e.message, true); })
      .then(function () { sending = false; pump(); });
  }

  function begin() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
      say(form.dataset.msgUnsupported, true);
      return;
    }
    startBtn.disabled = true;
    var constraints = {audio: {echoCancellation: true, noiseSuppression: true, autoGainControl: true}};
    navigator.mediaDevices.getUserMedia(constraints).then(function (s) {
      stream = s;
      return post(form.dataset.api, {title: document.getElementById("live-title").value, targets: targets()}, true);
    }).then(function (data) {
      live = data;
      var type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus") ? "audio/webm;codecs=opus" : "";
      recorder = new MediaRecorder(stream, type ? {mimeType: type, audioBitsPerSecond: 48000} : {});
      recorder.ondataavailable = function (ev) { if (ev.data && ev.data.size) { queue.push(ev.data); pump(); } };
      recorder.onstop = function () { stopping = true; pump(); };
      recorder.start(SLICE_MS);
      level(stream);
      started = Date.now();
      stopBtn.hidden = false;
      form.dataset.liveId = String(live.id);
      var clock = function () {
        var s = Math.round((Date.now() - started) / 1000);
        say(form.dataset.msgOnAir + " · " + Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"));
      };
      clock();
      timer = window.setInterval(clock, 500);
    }).catch(function (err) {
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      say(live === null && !stream ? micError(err) : form.dataset.msgFailed + ": " + err.message, true);
      startBtn.disabled = false;
    });
  }

  function end() {
    stopBtn.disabled = true;
    say(form.dataset.msgEnding);
    if (recorder && recorder.state !== "inactive") { recorder.stop(); } else { stopping = true; pump(); }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
  }

  function finish() {
    stopping = false;
    if (timer) { window.clearInterval(timer); }
    recorder = null;
    if (audioCtx) { audioCtx.close(); }
    meter.hidden = true;
    post("/api/v1/live/" + live.id + "/end", null, false).then(function () {
      say(form.dataset.msgEnded);
      form.dataset.ended = String(live.id);
    }).catch(function (e) { say(form.dataset.msgFailed + ": " + e.message, true); });
  }

  startBtn.addEventListener("click", begin);
  stopBtn.addEventListener("click", end);
  Array.prototype.forEach.call(document.querySelectorAll("[data-live-end]"), function (btn) {
    btn.addEventListener("click", function () {
      btn.disabled = true;
      post("/api/v1/live/" + btn.dataset.liveEnd + "/end", null, false)
        .then(function () { window.location.reload(); })
        .catch(function (e) { say(form.dataset.msgFailed + ": " + e.message, true); btn.disabled = false; });
    });
  });
})();
