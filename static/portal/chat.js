// Live support chat (driver's ticket page and the staff desk): messages arrive over
// /ws/support/<ticket>/ as soon as either side's reply is saved; the form still posts
// normally when the socket is down.
(function () {
  "use strict";
  var box = document.getElementById("chat");
  if (!box) return;
  var thread = document.getElementById("thread");
  var form = document.getElementById("chat-form");
  var field = form.querySelector("textarea");
  var status = document.getElementById("chat-status");
  var typing = document.getElementById("chat-typing");
  var staff = box.dataset.staff === "1";
  var socket = null;
  var typingTimer = null;
  var lastTypingSent = 0;
  var pause = 1000;

  // As the server writes times ("2026-11-29 04:02 CET"): in the zone the page was written
  // in (the driver's setting, data-time-zone), else the reader's own.
  function stamp(iso, zone) {
    if (zone === undefined) zone = box.dataset.timeZone;
    var options = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23", timeZoneName: "short" };
    if (zone) options.timeZone = zone;
    var parts = {};
    try {
      new Intl.DateTimeFormat("en-GB", options).formatToParts(new Date(iso)).forEach(function (part) {
        parts[part.type] = part.value;
      });
    } catch (error) {  // an unknown zone: the reader's own
      return stamp(iso, "");
    }
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute +
      (parts.timeZoneName ? " " + parts.timeZoneName : "");
  }

  function append(event) {
    if (thread.querySelector('[data-message="' + event.message_id + '"]')) return;
    var item = document.createElement("li");
    item.className = "card chat-message" + (event.from_staff ? " staff" : "");
    item.dataset.message = event.message_id;
    var meta = document.createElement("p");
    meta.className = "muted";
    var mine = event.from_staff === staff;
    meta.textContent = (mine ? box.dataset.you : event.author) + " · " + stamp(event.created_at);
    var body = document.createElement("p");
    body.className = "chat-body";
    body.textContent = event.body;
    item.append(meta, body);
    thread.append(item);
    item.scrollIntoView({ block: "nearest" });
    typing.hidden = true;
  }

  function showTyping(event) {
    if (event.from_staff === staff) return;
    typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typing.hidden = true; }, 4000);
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + box.dataset.ws);
    socket.onopen = function () { pause = 1000; };
    socket.onmessage = function (message) {
      var event = JSON.parse(message.data);
      if (event.subscribed) {
        document.documentElement.dataset.chat = "connected";
        if (status) status.textContent = event.agents_online ? box.dataset.online : box.dataset.offline;
      } else if (event.kind === "ticket_message") append(event);
      else if (event.kind === "typing") showTyping(event);
      else if (event.error) alert(event.error);
    };
    socket.onclose = function () {
      document.documentElement.dataset.chat = "closed";
      socket = null;
      setTimeout(connect, pause);
      pause = Math.min(pause * 2, 30000);
    };
  }

  form.addEventListener("submit", function (event) {
    if (!socket || socket.readyState !== WebSocket.OPEN || !field.value.trim()) return;
    event.preventDefault();
    socket.send(JSON.stringify({ message: field.value }));
    field.value = "";
  });
  field.addEventListener("input", function () {
    var now = Date.now();
    if (socket && socket.readyState === WebSocket.OPEN && now - lastTypingSent > 2000) {
      socket.send(JSON.stringify({ typing: true }));
      lastTypingSent = now;
    }
  });
  document.querySelectorAll("[data-canned]").forEach(function (button) {
    button.addEventListener("click", function () { field.value = button.dataset.canned; field.focus(); });
  });
  if (staff) setInterval(function () { if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ ping: true })); }, 20000);
  connect();
})();
