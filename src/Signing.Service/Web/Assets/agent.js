// Signing in the browser: the queue page talks to the head's desk agent (`signing-agent serve`)
// on this computer's loopback address. The agent answers this console's origin only, and only with
// the pairing secret it gave this page once (kept in this origin's localStorage). The PIN is typed in
// the agent's own window: nothing here asks for it, sees it or sends it.
(function () {
  "use strict";
  var root = document.getElementById("agent");
  if (!root || !window.fetch) return;
  var t = root.dataset;
  var base = t.url.replace(/\/$/, "");
  var storageKey = "signing-agent-pairing " + base;
  var status = document.getElementById("agent-status");
  var pairForm = document.getElementById("agent-pair");
  var code = document.getElementById("agent-code");
  var panel = document.getElementById("agent-sign");
  var sign = document.getElementById("agent-sign-button");
  var stop = document.getElementById("agent-stop");
  var reload = document.getElementById("agent-reload");
  var all = document.getElementById("agent-all");
  var bar = document.getElementById("agent-progress");
  var barText = document.getElementById("agent-progress-text");
  var picks = Array.prototype.slice.call(document.querySelectorAll("input.pick"));
  var batchId = null;

  function fmt(text) {
    var args = arguments;
    return text.replace(/\{(\d)\}/g, function (_, i) { return String(args[+i + 1]); });
  }
  function say(text, bad) { status.textContent = text; status.className = bad ? "error" : ""; }
  function secret() { try { return window.localStorage.getItem(storageKey); } catch (e) { return null; } }
  function forget() { try { window.localStorage.removeItem(storageKey); } catch (e) { /* nothing kept */ } }

  // Every call names a JSON body type and the pairing: a cross-site form can send neither.
  function call(method, path, body) {
    var headers = {};
    var s = secret();
    if (s) headers.Authorization = "Bearer " + s;
    if (method === "POST") headers["Content-Type"] = "application/json";
    return fetch(base + path, {
      method: method, headers: headers, mode: "cors", credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer",
      body: method === "POST" ? JSON.stringify(body || {}) : undefined
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { return { status: r.status, body: j }; });
    });
  }

  function showPairing(message, bad) {
    panel.hidden = true;
    pairForm.hidden = false;
    picks.forEach(function (p) { p.parentNode.hidden = true; });
    say(message, bad);
  }

  function ready() {
    pairForm.hidden = true;
    panel.hidden = false;
    picks.forEach(function (p) { p.parentNode.hidden = false; });
  }

  function connect() {
    say(t.checking);
    if (!secret()) { showPairing(""); return; }
    call("GET", "/status").then(function (r) {
      if (r.status === 401) { forget(); showPairing(t.unpaired, true); return; }
      if (r.status !== 200) { say(fmt(t.refused, r.body.detail || r.status), true); return; }
      ready();
      say(t.ready);
      if (r.body.busy && r.body.batch) watch(r.body.batch);
    }, function () { say(t.notRunning, true); });
  }

  pairForm.addEventListener("submit", function (e) {
    e.preventDefault();
    call("POST", "/pair", { code: code.value }).then(function (r) {
      if (r.status !== 200 || !r.body.secret) { say(fmt(t.pairFailed, r.body.detail || r.status), true); return; }
      try { window.localStorage.setItem(storageKey, r.body.secret); } catch (x) { say(fmt(t.pairFailed, x), true); return; }
      code.value = "";
      ready();
      say(t.paired + " " + t.ready);
    }, function () { say(t.notRunning, true); });
  });

  all.addEventListener("change", function () {
    picks.forEach(function (p) { if (!p.disabled) p.checked = all.checked; });
  });

  function busy(on) {
    sign.disabled = on;
    all.disabled = on;
    stop.hidden = !on;
    picks.forEach(function (p) { if (p.dataset.done !== "1") p.disabled = on; });
  }

  sign.addEventListener("click", function () {
    var ids = picks.filter(function (p) { return p.checked && !p.disabled; }).map(function (p) { return p.value; });
    if (ids.length === 0) { say(t.noneSelected, true); return; }
    busy(true);
    call("POST", "/batches", { documents: ids }).then(function (r) {
      if (r.status === 401) { forget(); busy(false); showPairing(t.unpaired, true); return; }
      if (r.status !== 202) { busy(false); say(fmt(t.refused, r.body.detail || r.status), true); return; }
      watch(r.body.id);
    }, function () { busy(false); say(t.notRunning, true); });
  });

  stop.addEventListener("click", function () {
    if (batchId) call("POST", "/batches/" + batchId + "/stop", {});
  });

  function watch(id) {
    batchId = id;
    busy(true);
    var poll = function () {
      call("GET", "/batches/" + id).then(function (r) {
        if (r.status !== 200) { busy(false); say(fmt(t.refused, r.body.detail || r.status), true); return; }
        show(r.body);
        if (r.body.state === "finished") { busy(false); batchId = null; reload.hidden = false; return; }
        window.setTimeout(poll, 400);
      }, function () { busy(false); reload.hidden = false; say(t.lost, true); });
    };
    poll();
  }

  function show(p) {
    bar.max = Math.max(p.total, 1);
    bar.value = p.done;
    if (p.state === "waiting_for_pin") {
      say(t.enterPin);
      barText.textContent = fmt(t.progress, p.done, p.total, "–", "0", "–");
    } else {
      barText.textContent = fmt(t.progress, p.done, p.total, p.current || "–", p.ratePerSecond.toFixed(1), p.etaSeconds == null ? "–" : Math.ceil(p.etaSeconds));
      say(p.state === "finished"
        ? fmt(t.done, p.signed, p.refused, p.pending) + (p.stopReason ? " " + fmt(t.stopped, p.stopReason) : "")
        : "", p.state === "finished" && (p.refused > 0 || p.pending > 0));
    }
    p.documents.forEach(function (d) {
      var cell = document.getElementById("result-" + d.id);
      if (!cell) return;
      cell.dataset.outcome = d.outcome;
      cell.className = "result " + (d.outcome === "signed" ? "ok" : d.outcome === "refused" ? "error" : "");
      cell.textContent = d.outcome === "signed" ? t.resultSigned : d.outcome === "refused" ? fmt(t.resultRefused, d.error || "") : (p.state === "finished" ? t.resultPending : "");
      var pick = document.getElementById("pick-" + d.id);
      if (pick && d.outcome === "signed") { pick.checked = false; pick.disabled = true; pick.dataset.done = "1"; }
    });
  }

  root.hidden = false;
  connect();
})();
