// Recording a bulletin with the browser's microphone: MediaRecorder records, an AnalyserNode drives the
// level meter, the recording is decoded once (its length, and a WAV copy the player can seek in, since
// a MediaRecorder file declares no duration), and the trim is two numbers the server applies with
// ffmpeg when it saves. The recording itself goes up unchanged through the page's file upload.
(function () {
  "use strict";
  var box = document.getElementById("recorder");
  if (!box) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var problem = $("rec-problem"), startButton = $("rec-start"), stopButton = $("rec-stop");
  var clock = $("rec-clock"), meter = $("rec-level"), result = $("rec-result"), audio = $("rec-audio");
  var from = $("trim_start"), to = $("trim_end"), kept = $("rec-kept"), file = $("rec-file");
  var save = $("save-button");
  var lang = document.documentElement.lang || "vi";
  var seconds = new Intl.NumberFormat(lang, {minimumFractionDigits: 1, maximumFractionDigits: 1});
  var MAX_S = 1800; // the server's longest recording
  var rec = null, stream = null, context = null, timer = 0, began = 0, length = 0, listenUrl = null;

  var say = function (key, detail) {
    problem.textContent = box.getAttribute("data-" + key) + (detail ? " " + detail : "");
    problem.hidden = false;
  };
  var refuse = function (key) { say(key); startButton.disabled = true; };
  if (!window.isSecureContext) { refuse("insecure"); return; }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
    refuse("unsupported"); return;
  }
  var AudioCtx = window.AudioContext || window.webkitAudioContext;

  var whyNot = function (err) {
    var name = err && err.name;
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") { return "denied"; }
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") { return "missing"; }
    if (name === "NotReadableError" || name === "AbortError" || name === "TrackStartError") { return "busy-mic"; }
    return "failed";
  };
  var mimeType = function () {
    var kinds = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
    for (var i = 0; i < kinds.length; i += 1) {
      if (MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(kinds[i])) { return kinds[i]; }
    }
    return "";
  };
  var extension = function (type) {
    return type.indexOf("ogg") >= 0 ? "ogg" : type.indexOf("mp4") >= 0 ? "m4a" : "webm";
  };
  var clockText = function (s) {
    s = Math.floor(s);
    return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  };

  // The level: RMS of the last analyser window, from -60 dBFS (empty) to 0 dBFS (full).
  var watchLevel = function (source) {
    var analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    source.connect(analyser);
    var samples = new Float32Array(analyser.fftSize);
    return function () {
      analyser.getFloatTimeDomainData(samples);
      var sum = 0;
      for (var i = 0; i < samples.length; i += 1) { sum += samples[i] * samples[i]; }
      var db = 10 * Math.log10(sum / samples.length + 1e-12);
      meter.value = Math.max(0, Math.min(1, (db + 60) / 60));
    };
  };

  var begin = function () {
    problem.hidden = true;
    forget();
    startButton.disabled = true;
    navigator.mediaDevices.getUserMedia({audio: {echoCancellation: false, noiseSuppression: true, autoGainControl: true}})
      .then(function (s) {
        stream = s;
        context = context || new AudioCtx();
        if (context.resume) { context.resume(); }
        var level = watchLevel(context.createMediaStreamSource(stream));
        var type = mimeType();
        var chunks = [];
        rec = type ? new MediaRecorder(stream, {mimeType: type}) : new MediaRecorder(stream);
        rec.addEventListener("dataavailable", function (e) { if (e.data && e.data.size) { chunks.push(e.data); } });
        rec.addEventListener("stop", function () { finished(new Blob(chunks, {type: rec.mimeType || type || "audio/webm"})); });
        rec.start(1000);
        began = Date.now();
        timer = window.setInterval(function () {
          var s = (Date.now() - began) / 1000;
          clock.textContent = clockText(s);
          level();
          if (s >= MAX_S) { end(); }
        }, 100);
        startButton.hidden = true; stopButton.hidden = false; startButton.disabled = false;
        stopButton.focus();
      })
      .catch(function (err) {
        startButton.disabled = false;
        var key = whyNot(err);
        say(key, key === "failed" ? String((err && err.message) || err) : "");
      });
  };

  var end = function () {
    window.clearInterval(timer);
    meter.value = 0;
    if (rec && rec.state !== "inactive") { rec.stop(); }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); } // the browser's mic light goes off
    stopButton.hidden = true; startButton.hidden = false;
  };

  var finished = function (blob) {
    var type = blob.type.split(";")[0];
    var dt = new DataTransfer();
    dt.items.add(new File([blob], "ghi-am." + extension(type), {type: type}));
    file.files = dt.files;
    blob.arrayBuffer().then(function (bytes) { return context.decodeAudioData(bytes); }).then(function (buffer) {
      length = buffer.duration;
      listenUrl = URL.createObjectURL(wav(buffer));
      audio.src = listenUrl;
      from.max = to.max = length.toFixed(1);
      from.value = "0"; to.value = length.toFixed(1);
      result.hidden = false; startButton.hidden = true; // "record again" sits by the result
      save.disabled = false;
      trimmed();
    }).catch(function () {
      // This browser cannot decode its own recording: it can still be heard and saved whole.
      listenUrl = URL.createObjectURL(blob);
      audio.src = listenUrl;
      from.value = ""; to.value = "";
      result.hidden = false; startButton.hidden = true; save.disabled = false;
      trimmed();
    });
  };

  var forget = function () {
    if (listenUrl) { URL.revokeObjectURL(listenUrl); listenUrl = null; }
    audio.removeAttribute("src"); audio.load();
    file.value = "";
    result.hidden = true; startButton.hidden = false; save.disabled = true; length = 0;
    clock.textContent = clockText(0);
  };

  // 16-bit mono WAV of the decoded recording: for listening and seeking only, never uploaded.
  var wav = function (buffer) {
    var pcm = buffer.getChannelData(0), rate = buffer.sampleRate, n = pcm.length;
    var view = new DataView(new ArrayBuffer(44 + n * 2));
    var text = function (at, s) { for (var i = 0; i < s.length; i += 1) { view.setUint8(at + i, s.charCodeAt(i)); } };
    text(0, "RIFF"); view.setUint32(4, 36 + n * 2, true); text(8, "WAVEfmt ");
    view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
    view.setUint32(24, rate, true); view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true);
    view.setUint16(34, 16, true); text(36, "data"); view.setUint32(40, n * 2, true);
    for (var i = 0; i < n; i += 1) {
      var v = Math.max(-1, Math.min(1, pcm[i]));
      view.setInt16(44 + i * 2, v < 0 ? v * 0x8000 : v * 0x7fff, true);
    }
    return new Blob([view], {type: "audio/wav"});
  };

  // The trim: what is kept, checked before the form may be sent (a refused save would lose the recording).
  var bounds = function () {
    var a = parseFloat(from.value), b = parseFloat(to.value);
    return [isNaN(a) ? 0 : a, isNaN(b) ? length : Math.min(b, length)];
  };
  var trimmed = function () {
    var ab = bounds(), keep = Math.max(0, ab[1] - ab[0]);
    if (!length) { kept.textContent = ""; to.setCustomValidity(""); return; } // length unknown: the server checks
    kept.textContent = box.getAttribute("data-kept").replace("{total}", seconds.format(length))
      .replace("{kept}", seconds.format(keep));
    to.min = from.value || "0";
    to.setCustomValidity(keep >= 1 ? "" : box.getAttribute("data-too-short"));
  };
  // Hear only the kept part: the player (a WAV, so it seeks exactly) stops at the end point.
  var previewEnd = null, poll = 0;
  var play = function () {
    var ab = bounds();
    previewEnd = ab[1];
    audio.currentTime = ab[0];
    audio.play();
    window.clearInterval(poll);
    poll = window.setInterval(function () {
      if (previewEnd === null) { window.clearInterval(poll); return; }
      if (audio.currentTime >= previewEnd) { audio.pause(); }
    }, 20);
  };
  audio.addEventListener("pause", function () { previewEnd = null; });

  startButton.addEventListener("click", begin);
  stopButton.addEventListener("click", end);
  $("rec-again").addEventListener("click", begin);
  $("trim-play").addEventListener("click", play);
  $("trim-start-here").addEventListener("click", function () { from.value = audio.currentTime.toFixed(1); trimmed(); });
  $("trim-end-here").addEventListener("click", function () { to.value = audio.currentTime.toFixed(1); trimmed(); });
  from.addEventListener("input", trimmed);
  to.addEventListener("input", trimmed);
})();
