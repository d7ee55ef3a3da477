// The live session page: fields updated from pushed session events (live.js calls
// EVSession.update); cost is re-read from the server, which prices it; the duration ticks here.
(function () {
  "use strict";
  var box = document.getElementById("session");
  var state = JSON.parse(document.getElementById("session-state-data").textContent);
  var labels = { active: box.dataset.labelActive, completed: box.dataset.labelCompleted, rejected: box.dataset.labelRejected };

  // The money template filter's notation (billing.price_words.SYMBOLS): "€8.00", else "8.00 CHF".
  var SYMBOLS = { EUR: "€", GBP: "£", USD: "$" };
  function formatMoney(amount, currency) {
    return SYMBOLS[currency] ? SYMBOLS[currency] + amount : amount + " " + currency;
  }
  function kwh(wh) { return (wh / 1000).toFixed(2); }
  function kw(w) { return w === null || w === undefined ? "–" : (w / 1000).toFixed(1); }
  function clock(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return h + ":" + String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
  }
  function render() {
    document.getElementById("session-state").textContent = labels[state.status] || state.status;
    document.getElementById("session-energy").textContent = kwh(state.energy_wh);
    document.getElementById("session-power").textContent = state.status === "active" ? kw(state.power_w) : "0.0";
    var loadNote = document.getElementById("session-load-note");
    loadNote.textContent = state.status === "active" ? state.load_note || "" : "";
    loadNote.hidden = !loadNote.textContent;
    if (state.cost !== null && state.cost !== undefined) {
      document.getElementById("session-cost").textContent = formatMoney(state.cost, state.currency);
    }
    var end = state.stopped_at ? new Date(state.stopped_at) : new Date();
    var seconds = Math.max(0, Math.round((end - new Date(state.started_at)) / 1000));
    document.getElementById("session-duration").textContent = clock(seconds);
  }
  function refresh() {
    return fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (fresh) {
        var ended = state.status === "active" && fresh.status !== "active";
        state = fresh;
        render();
        if (ended) location.reload();
      });
  }
  window.EVSession = {
    update: function (event) {
      state.status = event.status;
      state.energy_wh = event.energy_wh;
      state.power_w = event.power_w;
      state.stopped_at = event.stopped_at;
      render();
      refresh();
    },
    resync: function () { refresh(); },
    command: function () {}
  };
  // After "Stop": follow the RemoteStop command; speak up if the charger refuses or is silent.
  var stopProgress = document.getElementById("stop-progress");
  function followStop(tries) {
    if (!stopProgress.dataset.statusUrl || state.status !== "active" || tries > 120) return;
    fetch(stopProgress.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (command) {
        if (command.final) { if (command.message) stopProgress.textContent = command.message; return; }
        setTimeout(function () { followStop(tries + 1); }, 1000);
      })
      .catch(function () { setTimeout(function () { followStop(tries + 1); }, 2000); });
  }
  followStop(0);
  render();
  setInterval(function () { if (state.status === "active") render(); }, 1000);
  // Safety net when the socket is down: a slow poll.
  setInterval(function () { if (state.status === "active" && document.documentElement.dataset.live !== "connected") refresh(); }, 10000);
})();
