// The console's own script: lease and wait clocks, keyboard shortcuts, session expiry.
// No inline script anywhere (the content security policy forbids it); htmx does the rest.
(function () {
  "use strict";

  // Clocks count from the moment a fragment arrived (no dependence on the browser's clock).
  function startClocks(root) {
    var now = performance.now();
    root.querySelectorAll(".countdown[data-seconds]").forEach(function (el) {
      el.dataset.from = String(now);
    });
    root.querySelectorAll(".wait-clock[data-seconds]").forEach(function (el) {
      el.dataset.from = String(now);
    });
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function clock(total) {
    total = Math.max(0, Math.round(total));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function tick() {
    var now = performance.now();
    document.querySelectorAll(".countdown[data-from]").forEach(function (el) {
      var left = Number(el.dataset.seconds) - (now - Number(el.dataset.from)) / 1000;
      el.textContent = String(Math.max(0, Math.ceil(left)));
      el.classList.toggle("urgent", left <= 5);
    });
    document.querySelectorAll(".wait-clock[data-from][data-running='1']").forEach(function (el) {
      el.textContent = clock(Number(el.dataset.seconds) + (now - Number(el.dataset.from)) / 1000);
    });
  }

  // Alt+A accept, Alt+R reject, Alt+T transfer (to its queue choice), Alt+C complete (or go to
  // the reason when none is chosen).
  function onKey(event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
    var key = event.key.toLowerCase();
    var target = null;
    if (key === "a") { target = document.getElementById("accept-button"); }
    if (key === "r") { target = document.getElementById("reject-button"); }
    if (key === "t") {
      var queue = document.getElementById("transfer-queue");
      if (queue) { event.preventDefault(); queue.focus(); }
      return;
    }
    if (key === "c") {
      var reason = document.getElementById("complete-reason");
      if (reason && !reason.value) { event.preventDefault(); reason.focus(); return; }
      target = document.getElementById("complete-button");
    }
    if (target) { event.preventDefault(); target.click(); }
  }

  function toSignIn() {
    window.location.assign("/signin?next=" + encodeURIComponent(window.location.pathname + window.location.search));
  }

  // A stream that closed because the session ended, or that cannot connect: is the session gone?
  function checkSession() {
    fetch("/session", { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.status === 401) { toSignIn(); }
    }).catch(function () { /* the console itself is down: the stream retries */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    startClocks(document);
    window.setInterval(tick, 250);
    document.addEventListener("keydown", onKey);
    document.body.addEventListener("htmx:afterSwap", function (e) {
      startClocks(e.target);
      // A message just taken opens under the call: bring its heading into view and focus.
      if (e.target && e.target.id === "task-region") {
        var heading = e.target.querySelector(".task h2");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
      }
    });
    document.body.addEventListener("htmx:oobAfterSwap", function (e) { startClocks(e.target); });
    document.body.addEventListener("htmx:sseMessage", function (e) {
      startClocks(e.target);
      document.body.dataset.lastEvent = (e.detail && e.detail.type) || "message";
    });
    document.body.addEventListener("htmx:sseOpen", function () { document.body.dataset.stream = "open"; });
    document.body.addEventListener("htmx:sseClose", function (e) {
      if (e.detail && e.detail.type === "message") { toSignIn(); }
    });
    document.body.addEventListener("htmx:sseError", checkSession);
  });
})();
