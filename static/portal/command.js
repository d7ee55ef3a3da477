// Follows a RemoteStart until the charger has opened the session (then shows it) or has
// refused / not answered (then says so). Polls: the answer is one small JSON read.
(function () {
  "use strict";
  var box = document.getElementById("command");
  var progress = document.getElementById("command-progress");
  var waiting = document.getElementById("command-waiting-session");
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.session_url) { location.assign(state.session_url); return; }
        if (state.final && state.message) { progress.textContent = state.message; return; }
        if (state.status === "accepted") waiting.hidden = false;
        if (tries < 120) setTimeout(poll, 1000);
      })
      .catch(function () { if (tries < 120) setTimeout(poll, 2000); });
  }
  poll();
})();
