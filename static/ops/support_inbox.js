// The staff support inbox: new tickets and messages arrive over /ws/support/inbox/; the
// list is re-read from the server (waiting first) and the page pings to show an agent online.
(function () {
  "use strict";
  var rows = document.getElementById("inbox-rows");
  var pause = 1000;
  var socket = null;
  function refresh() {
    fetch(location.pathname + "?rows=1" + (location.search.indexOf("closed=1") >= 0 ? "&closed=1" : ""), { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) { rows.innerHTML = html; });
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/support/inbox/");
    socket.onopen = function () { pause = 1000; };
    socket.onmessage = function (message) {
      var event = JSON.parse(message.data);
      if (event.subscribed) document.documentElement.dataset.inbox = "connected";
      else if (event.kind === "ticket_opened" || event.kind === "ticket_message" || event.kind === "ticket_assigned") refresh();
    };
    socket.onclose = function () {
      document.documentElement.dataset.inbox = "closed";
      setTimeout(connect, pause);
      pause = Math.min(pause * 2, 30000);
    };
  }
  setInterval(function () { if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ ping: true })); }, 20000);
  connect();
})();
