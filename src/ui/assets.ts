/**
 * The dashboard's only assets, served by docket itself (`/assets/ui.css`, `/assets/ui.js`):
 * no CDN, works offline, and the CSP allows scripts and styles from 'self' only. The script
 * writes task data into the page with textContent only (never innerHTML).
 */
export const CSS = `
:root{--bg:#f7f7f5;--fg:#1d1f21;--mut:#6b6f76;--line:#dedfe3;--ok:#1f8a4c;--bad:#c62828;
--run:#1565c0;--warn:#b26a00;--card:#fff}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;gap:1rem;align-items:center;padding:.6rem 1.2rem;background:#22252a;color:#eee}
header a.brand{color:#fff;font-weight:700;text-decoration:none;font-size:16px}
header .crumb{color:#aab}
header .ro{background:var(--warn);color:#fff;border-radius:3px;padding:0 .4rem;font-size:12px}
header .token{margin-left:auto;font-size:12px;color:#ccd}
header .token input{font:inherit;width:16rem;padding:.15rem .3rem;border-radius:3px;border:1px solid #555;background:#33363c;color:#fff}
main{padding:1rem 1.2rem;max-width:1400px}
section{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.6rem 1rem 1rem;margin-bottom:1rem}
h1{font-size:20px;margin:.3rem 0}h2{font-size:15px;margin:.4rem 0 .6rem}
table{border-collapse:collapse;width:100%}
th{text-align:left;font-weight:600;color:var(--mut);font-size:12px;border-bottom:1px solid var(--line);padding:.3rem .5rem}
td{border-bottom:1px solid #eee;padding:.35rem .5rem;vertical-align:top;white-space:nowrap}
td:first-child,td:last-child,table.facts td,table.events td{white-space:normal}
tr:last-child td{border-bottom:0}
table.facts th{display:none}table.facts td:first-child{color:var(--mut);width:8rem}
a{color:var(--run)}
.muted{color:var(--mut)}.small{font-size:12px}
.badge{display:inline-block;border-radius:3px;padding:0 .45rem;font-size:12px;font-weight:600;color:#fff;background:#888}
.badge.succeeded{background:var(--ok)}.badge.failed,.badge.timeout,.badge.lost{background:var(--bad)}
.badge.cancelled{background:var(--warn)}.badge.running,.badge.queued{background:var(--run)}
.badge.dry_run{background:#6a5acd}.badge.none{background:#aaa}
.src{font-size:12px;color:var(--mut)}
svg.spark polyline{fill:none;stroke:var(--run);stroke-width:1.5}
svg.chart{max-width:100%;height:auto}
svg.chart .bar{fill:#7aa7d9}svg.chart .bar.outlier{fill:var(--bad)}
svg.chart .median{stroke:#333;stroke-dasharray:4 3}
svg.chart .axis{font-size:10px;fill:var(--mut)}
pre{background:#1e1f22;color:#ddd;padding:.6rem .8rem;border-radius:4px;overflow:auto;max-height:28rem;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all}
pre.config{background:#f1f2f4;color:var(--fg)}
ul.tree{list-style:none;margin:0;padding-left:1rem;border-left:1px solid var(--line)}
ul.tree .k{color:var(--mut)}code.v{font-size:12px}
.actions{display:flex;gap:.5rem;align-items:center;margin:.5rem 0}
button.act{font:inherit;padding:.25rem .8rem;border-radius:4px;border:1px solid var(--run);background:var(--run);color:#fff;cursor:pointer}
button.act[data-cancel]{background:#fff;color:var(--bad);border-color:var(--bad)}
button.act:disabled{opacity:.5;cursor:default}
.result{font-size:12px}.result.err{color:var(--bad)}
.warn{color:var(--warn);font-size:12px}
.enf{font-size:12px;font-weight:600}.enf.deno,.enf.os{color:var(--ok)}.enf.advisory{color:var(--bad)}
.pager{margin-top:.5rem;display:flex;gap:1rem}
.summary{color:#333}
`;

export const JS = `"use strict";
(function () {
  var KNOWN = ["succeeded","failed","cancelled","timeout","lost","running","queued","dry_run"];
  var readOnly = document.body.getAttribute("data-read-only") === "1";
  var m = /(?:^#|&)token=([0-9a-f]+)/.exec(location.hash);
  if (m) { sessionStorage.setItem("docket-token", m[1]); history.replaceState(null, "", location.pathname + location.search); }
  var input = document.getElementById("token");
  if (input && !readOnly) {
    input.parentElement.hidden = false;
    input.value = sessionStorage.getItem("docket-token") || "";
    input.addEventListener("change", function () { sessionStorage.setItem("docket-token", input.value.trim()); });
  }
  function token() { return (input && input.value.trim()) || sessionStorage.getItem("docket-token") || ""; }
  function say(text, bad) {
    var el = document.getElementById("action-result");
    if (!el) { if (bad) alert(text); return; }
    el.textContent = text; el.className = bad ? "result err" : "result";
  }
  function post(url, body) {
    return fetch(url, { method: "POST", headers: { "X-Docket-Token": token(), "Content-Type": "application/json" },
      body: JSON.stringify(body || {}) }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok || j.ok === false) throw new Error((j.error && j.error.message) || ("HTTP " + r.status)); return j; });
    });
  }
  document.querySelectorAll("button[data-run]").forEach(function (b) {
    b.addEventListener("click", function () {
      b.disabled = true; say("starting…");
      post("/api/tasks/" + encodeURIComponent(b.getAttribute("data-run")) + "/run", { dry_run: b.hasAttribute("data-dry") })
        .then(function (j) { location.href = "/runs/" + encodeURIComponent(j.run_id); })
        .catch(function (e) { b.disabled = false; say(e.message, true); });
    });
  });
  document.querySelectorAll("button[data-cancel]").forEach(function (b) {
    b.addEventListener("click", function () {
      b.disabled = true; say("cancelling…");
      post("/api/runs/" + encodeURIComponent(b.getAttribute("data-cancel")) + "/cancel", {})
        .then(function (j) { say("run " + j.status); if (!document.getElementById("log")) location.reload(); })
        .catch(function (e) { b.disabled = false; say(e.message, true); });
    });
  });
  function fmt(ms) { if (ms == null) return "–"; if (ms < 1000) return Math.round(ms) + " ms"; var s = ms / 1000;
    if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + " s"; var mi = Math.floor(s / 60); return mi + " min " + Math.round(s % 60) + " s"; }
  setInterval(function () {
    document.querySelectorAll(".elapsed[data-since]").forEach(function (el) {
      el.textContent = fmt(Date.now() - Date.parse(el.getAttribute("data-since")));
    });
  }, 1000);
  var log = document.getElementById("log");
  if (log && log.getAttribute("data-live") === "1" && window.EventSource) {
    var id = log.getAttribute("data-run");
    var state = document.getElementById("log-state");
    state.textContent = "Following the log live…";
    var es = new EventSource("/api/runs/" + encodeURIComponent(id) + "/log/stream?offset=" + log.getAttribute("data-offset"));
    es.addEventListener("output", function (e) {
      var atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
      log.appendChild(document.createTextNode(JSON.parse(e.data).text));
      if (atEnd) log.scrollTop = log.scrollHeight;
    });
    es.addEventListener("end", function (e) {
      es.close();
      var r = JSON.parse(e.data).run;
      var st = document.getElementById("run-status");
      var badge = document.createElement("span");
      badge.className = "badge " + (KNOWN.indexOf(r.status) >= 0 ? r.status : "none");
      badge.textContent = String(r.status).replace("_", " ");
      st.replaceChildren(badge);
      document.getElementById("run-summary").textContent = r.summary || "–";
      document.getElementById("run-exit").textContent = r.exit_code == null ? "–" : String(r.exit_code);
      document.getElementById("run-duration").textContent = fmt(r.duration_ms);
      state.textContent = "Run finished: " + r.status + ".";
      document.querySelectorAll("button[data-cancel]").forEach(function (b) { b.disabled = true; });
      // The rest of the page (details, events, hooks) as the server renders the finished run:
      // docket's own escaped HTML, swapped in section by section; the log stays as streamed.
      fetch(location.pathname).then(function (r) { return r.text(); }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ["sec-facts", "sec-details", "sec-events", "sec-hooks"].forEach(function (id) {
          var fresh = doc.getElementById(id), old = document.getElementById(id);
          if (fresh && old) old.replaceWith(document.adoptNode(fresh));
        });
      }).catch(function () {});
    });
    es.addEventListener("error", function () { state.textContent = "Log stream interrupted; retrying…"; });
  }
})();
`;
