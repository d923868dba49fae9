// Kalkan's pages work without this script; it only saves keystrokes.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // A menu that applies itself when changed (its button shows only without JavaScript).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // The verdict of a check takes the focus, so that it is read out and Escape-free.
  var verdict = document.getElementById("verdict");
  if (verdict) {
    verdict.focus({ preventScroll: true });
    verdict.scrollIntoView({ block: "start" });  // its first words, however tall the photos make it
  }

  // The next traveller: Escape opens an empty check (the zone field takes the focus there);
  // the border post and direction stay for the shift. No letter does it: a passport reader
  // typing while the verdict has the focus must not leave the page halfway through a zone.
  var next = document.getElementById("next-traveller");
  if (next && verdict) {
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.key === "Escape") {
        event.preventDefault();
        window.location.assign(next.href);
      }
    });
  }

  // The MRZ field: a passport reader types the lines, each ended by Enter. When the zone
  // is complete (2 lines of 44 or 36, or 3 of 30) the check is sent; Ctrl+Enter sends it too.
  var mrz = document.querySelector("textarea[data-mrz]");
  if (mrz) {
    var complete = function (text) {
      var lines = text.split(/\r?\n/).map(function (l) { return l.replace(/\s+/g, ""); }).filter(Boolean);
      var lengths = lines.map(function (l) { return l.length; }).join(",");
      return lengths === "44,44" || lengths === "36,36" || lengths === "30,30,30";
    };
    var sent = false;
    mrz.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        mrz.form.requestSubmit();
      }
    });
    mrz.addEventListener("input", function () {
      if (!sent && /\n\s*$/.test(mrz.value) && complete(mrz.value)) {
        sent = true;
        mrz.form.requestSubmit();
      }
    });
  }

  // A file too large or of the wrong type is refused as soon as it is chosen, before a byte is
  // sent over a slow line; the server checks again. The messages come in the page's language.
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    var accepted = (input.getAttribute("accept") || "").split(",").filter(Boolean);
    input.addEventListener("change", function () {
      var old = document.getElementById(input.id + "-client-fault");
      if (old) { old.remove(); }
      input.removeAttribute("aria-invalid");
      var file = input.files && input.files[0];
      if (!file) { return; }
      var message = null;
      if (file.size > Number(input.getAttribute("data-max-bytes"))) {
        message = input.getAttribute("data-too-large");
      } else if (accepted.length && file.type && accepted.indexOf(file.type) < 0) {
        message = input.getAttribute("data-wrong-type");
      }
      if (message) {
        input.value = "";
        var fault = document.createElement("p");
        fault.className = "fault";
        fault.id = input.id + "-client-fault";
        fault.setAttribute("role", "alert");
        fault.textContent = message;
        input.insertAdjacentElement("afterend", fault);
        input.setAttribute("aria-invalid", "true");
      }
    });
  });

  // An import's upload shows how much of the file has been sent (a large file on a slow line
  // takes a while); the server's answer then replaces the page, as a plain post would.
  var importForm = document.getElementById("import-form");
  if (importForm && window.XMLHttpRequest && window.FormData) {
    importForm.addEventListener("submit", function (event) {
      var file = document.getElementById("f-file");
      if (!file || !file.files || !file.files.length) { return; }  // the server says what is missing
      event.preventDefault();
      var shown = document.getElementById("upload-progress");
      var bar = document.getElementById("upload-bar");
      var percent = document.getElementById("upload-percent");
      shown.hidden = false;
      importForm.querySelector("button[type=submit]").disabled = true;
      var request = new XMLHttpRequest();
      request.open("POST", importForm.action);
      request.upload.addEventListener("progress", function (progress) {
        if (!progress.lengthComputable) { return; }
        var done = Math.floor(progress.loaded * 100 / progress.total);
        bar.value = done;
        percent.textContent = String(done);
      });
      request.addEventListener("load", function () {
        if (request.responseURL && request.responseURL.indexOf("/bureau/imports/") >= 0) {
          window.location.assign(request.responseURL);
          return;
        }
        document.open();
        document.write(request.responseText);
        document.close();
      });
      request.addEventListener("error", function () { importForm.submit(); });
      request.send(new FormData(importForm));
    });
  }

  // An import under way: its progress, asked every second; the finished page once it ends.
  var job = document.getElementById("import-job");
  if (job && window.fetch && ["queued", "running"].indexOf(job.getAttribute("data-state")) >= 0) {
    var follow = function () {
      window.fetch(job.getAttribute("data-status"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (status) {
          if (!status) { window.setTimeout(follow, 2000); return; }
          if (status.finished) {
            window.location.reload();
            return;
          }
          document.getElementById("import-bar").value = status.percent;
          document.getElementById("import-percent").textContent = String(status.percent);
          var state = document.getElementById("import-state");
          state.textContent = state.getAttribute("data-label-" + status.state) || status.state;
          job.setAttribute("data-state", status.state);
          job.setAttribute("data-polled", String(Number(job.getAttribute("data-polled") || "0") + 1));
          window.setTimeout(follow, 1000);
        })
        .catch(function () { window.setTimeout(follow, 2000); });
    };
    window.setTimeout(follow, 500);
  }

  // The bureau's notifications: those committed after the page was rendered arrive as
  // server-sent events (the session cookie goes with them), go to the top of the list, bump
  // the count and sound a short beep made by the Web Audio API. Without this script the list
  // is the same on every reload.
  var list = document.getElementById("notifications");
  if (list && window.EventSource) {
    var count = document.getElementById("notification-count");
    var empty = document.getElementById("notifications-empty");
    var audio = null;
    var beep = function () {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) { return; }
      try {
        audio = audio || new Context();
        if (audio.state === "suspended") { audio.resume(); }
        var tone = audio.createOscillator();
        var volume = audio.createGain();
        var start = audio.currentTime;
        tone.type = "sine";
        tone.frequency.setValueAtTime(880, start);
        volume.gain.setValueAtTime(0.2, start);
        volume.gain.exponentialRampToValueAtTime(0.001, start + 0.25);
        tone.connect(volume);
        volume.connect(audio.destination);
        tone.start(start);
        tone.stop(start + 0.25);
        list.setAttribute("data-sounded", String(Number(list.getAttribute("data-sounded") || "0") + 1));
      } catch (ignored) { /* a page that may not play sound still shows the notification */ }
    };
    var add = function (shown) {
      if (document.getElementById("notification-" + shown.seq)) { return; }
      var item = document.createElement("li");
      item.id = "notification-" + shown.seq;
      item.className = "notification new kind-" + shown.kind;
      var when = document.createElement("time");
      when.dateTime = shown.created_at;
      when.textContent = shown.at;
      var kind = document.createElement("strong");
      kind.textContent = shown.kind_label;
      var what = document.createElement("span");
      what.dir = "auto";
      what.textContent = shown.summary;
      item.append(when, " ", kind, " ", what);
      list.insertBefore(item, list.firstChild);
      if (count) { count.textContent = String(Number(count.textContent) + 1); }
      if (empty) { empty.hidden = true; }
      beep();
      if (shown.kind === "hit") { refreshHits(); }
    };
    // A hit notification brings the open hits again, forms and all, as the server renders them.
    var hitsSection = document.getElementById("hits-section");
    var refreshHits = function () {
      if (!hitsSection || !window.fetch) { return; }
      window.fetch(hitsSection.getAttribute("data-refresh"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (answer) { return answer.ok ? answer.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          var focused = document.activeElement && hitsSection.contains(document.activeElement) ? document.activeElement.id : null;
          hitsSection.innerHTML = html;
          hitsSection.setAttribute("data-refreshed", String(Number(hitsSection.getAttribute("data-refreshed") || "0") + 1));
          if (focused && document.getElementById(focused)) { document.getElementById(focused).focus(); }
        })
        .catch(function () { /* the list stays as it was; a reload brings it */ });
    };
    var source = new EventSource(list.getAttribute("data-stream"));
    source.onmessage = function (event) {
      try { add(JSON.parse(event.data)); } catch (ignored) { /* a malformed event is dropped */ }
    };
    source.onopen = function () { list.setAttribute("data-live", "open"); };
  }
})();
