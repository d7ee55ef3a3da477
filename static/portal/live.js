// Live updates over /ws/live/ (contract 3): connector status on station pages, the
// running session on the session page. Reconnects with a growing pause.
(function () {
  "use strict";
  var script = document.getElementById("live-script");
  var BUSY = ["Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Reserved"];
  var LABELS = {
    available: script.dataset.available, busy: script.dataset.busy,
    out_of_order: script.dataset.outOfOrder, offline: script.dataset.offline
  };
  // Mirrors drivers.selectors.stations.STARTABLE / RESERVABLE.
  var STARTABLE = ["available", "busy"];
  var RESERVABLE = ["available"];

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }
  var stations = readJson("live-stations") || [];
  var session = readJson("live-session");

  function availabilityOf(status) {
    if (status === "Available") return "available";
    return BUSY.indexOf(status) >= 0 ? "busy" : "out_of_order";
  }

  function setPill(container, availability) {
    var pill = document.createElement("span");
    pill.className = "pill " + availability;
    pill.textContent = LABELS[availability];
    container.replaceChildren(pill);
    var row = container.closest("[data-connector]");
    if (row) setActions(row, availability);
  }

  function setActions(row, availability) {
    var start = row.querySelector('[data-needs="start"]');
    var reserve = row.querySelector('[data-needs="reserve"]');
    var note = row.querySelector(".unavailable-note");
    var canStart = STARTABLE.indexOf(availability) >= 0;
    var canReserve = RESERVABLE.indexOf(availability) >= 0;
    if (start) start.disabled = !canStart;
    if (reserve) {
      reserve.classList.toggle("disabled", !canReserve);
      if (canReserve) { reserve.removeAttribute("aria-disabled"); reserve.removeAttribute("tabindex"); }
      else { reserve.setAttribute("aria-disabled", "true"); reserve.setAttribute("tabindex", "-1"); }
    }
    if (note) note.hidden = canStart;
  }

  function onConnectorStatus(event) {
    var selector = '[data-station="' + event.station_id + '"][data-connector="' + event.connector_id + '"] .live-status';
    document.querySelectorAll(selector).forEach(function (el) { setPill(el, availabilityOf(event.status)); });
  }

  function onStationConnection(event) {
    if (event.connected) return;
    document.querySelectorAll('[data-station="' + event.station_id + '"] .live-status').forEach(function (el) {
      setPill(el, "offline");
    });
  }

  function onSession(event) {
    if (!session || event.session_id !== session.id) return;
    if (window.EVSession) window.EVSession.update(event);
  }

  var pause = 1000;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/live/");
    socket.onopen = function () {
      pause = 1000;
      stations.forEach(function (id) { socket.send(JSON.stringify({ subscribe: "station", id: id })); });
      if (session) socket.send(JSON.stringify({ subscribe: "session", id: session.id }));
      document.documentElement.dataset.live = "connected";
    };
    socket.onmessage = function (message) {
      var event = JSON.parse(message.data);
      // Whatever happened between rendering the page and subscribing is read once now.
      if (event.subscribed && window.EVSession && session && event.subscribed.indexOf("session") >= 0) window.EVSession.resync();
      else if (event.kind === "connector_status") onConnectorStatus(event);
      else if (event.kind === "station_connection") onStationConnection(event);
      else if (event.kind === "session") onSession(event);
      else if (event.kind === "command" && window.EVSession) window.EVSession.command(event);
    };
    socket.onclose = function () {
      document.documentElement.dataset.live = "closed";
      setTimeout(connect, pause);
      pause = Math.min(pause * 2, 30000);
    };
  }
  if (stations.length || session) connect();
})();
