// Live staff dashboard: first paint from the server's snapshot, then every change is
// pushed over /ws/live/ (network group, staff only). Commands go through the outbox; the
// result arrives as a "command" event.
(function () {
  "use strict";
  const OPS = window.OPS;
  const state = JSON.parse(document.getElementById("snapshot").textContent);
  const stations = new Map();
  const sessions = new Map();
  const incidents = new Map();

  function load(snapshot) {
    stations.clear();
    sessions.clear();
    incidents.clear();
    snapshot.stations.forEach((s) => stations.set(s.id, s));
    snapshot.sessions.forEach((s) => sessions.set(s.session_id, s));
    snapshot.incidents.forEach((i) => incidents.set(i.incident_id, i));
  }
  load(state);
  const commands = new Map();

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    });
    (children || []).forEach((child) => node.append(child));
    return node;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": OPS.csrfToken, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(body),
      credentials: "same-origin",
    }).then((response) => response.json());
  }

  function sendCommand(station, kind, connector) {
    post(OPS.commandUrl.replace("/0/", "/" + station.id + "/"), { kind: kind, connector: connector }).then((reply) => {
      if (reply.errors) {
        commands.set("error-" + Date.now(), { station: station.identity, action: kind, status: JSON.stringify(reply.errors) });
      } else {
        commands.set(reply.command_id, { station: station.identity, action: reply.action, status: OPS.text.queued });
      }
      renderCommands();
    });
  }

  function intervene(session, action) {
    const reason = window.prompt(OPS.text.reason);
    if (!reason) return;
    post(OPS.interveneUrl.replace("/0/", "/" + session.session_id + "/"), { action: action, reason: reason }).then(
      (reply) => {
        if (reply.command_id) {
          commands.set(reply.command_id, { station: session.station, action: "RemoteStopTransaction", status: OPS.text.queued });
        }
        renderCommands();
      }
    );
  }

  function renderStations() {
    const rows = [...stations.values()].map((station) => {
      const link = station.online ? OPS.text.online : OPS.text.offline;
      const connectors = station.connectors.map((c) =>
        el("span", { class: "badge s-" + c.status, title: c.error_code, text: "#" + c.connector_id + " " + c.status })
      );
      const buttons = [
        el("button", { class: "small", text: OPS.text.reset, onclick: () => sendCommand(station, "reset_soft", 0) }),
      ];
      station.connectors.forEach((c) => {
        buttons.push(el("button", { class: "small", text: OPS.text.unlock + " #" + c.connector_id, onclick: () => sendCommand(station, "unlock", c.connector_id) }));
        const kind = c.status === "Unavailable" ? "operative" : "inoperative";
        buttons.push(el("button", { class: "small", text: OPS.text[kind] + " #" + c.connector_id, onclick: () => sendCommand(station, kind, c.connector_id) }));
      });
      return el("tr", { "data-station": station.id }, [
        el("td", { text: station.identity }),
        el("td", { text: station.site }),
        el("td", {}, [el("span", { class: "badge " + (station.online ? "up" : "down"), text: link })]),
        el("td", {}, connectors),
        el("td", {}, buttons),
      ]);
    });
    document.getElementById("stations").replaceChildren(...rows);
  }

  function renderSide() {
    const incidentItems = [...incidents.values()]
      .sort((a, b) => b.severity - a.severity)
      .map((i) => el("li", { class: "sev-" + i.severity, text: (i.station || "#" + i.station_id) + (i.connector_number ? " #" + i.connector_number : "") + " · " + i.cause + " ×" + i.occurrences + " " + i.summary }));
    document.getElementById("incidents").replaceChildren(...incidentItems);
    const sessionItems = [...sessions.values()].map((s) =>
      el("li", { "data-session": s.session_id }, [
        (s.station || "#" + s.station_id) + " #" + s.connector_id + " · " + (s.energy_wh / 1000).toFixed(2) + " kWh · " + (s.power_w ? (Number(s.power_w) / 1000).toFixed(1) + " kW " : ""),
        el("button", { class: "small", text: OPS.text.remoteStop, onclick: () => intervene(s, "remote_stop") }),
        el("button", { class: "small", text: OPS.text.softClose, onclick: () => intervene(s, "soft_close") }),
      ])
    );
    document.getElementById("sessions").replaceChildren(...sessionItems);
    const all = [...stations.values()];
    const online = all.filter((s) => s.online).length;
    document.getElementById("kpi-online").textContent = online;
    document.getElementById("kpi-offline").textContent = all.length - online;
    document.getElementById("kpi-sessions").textContent = sessions.size;
    document.getElementById("kpi-incidents").textContent = incidents.size;
    const watts = [...sessions.values()].reduce((sum, s) => sum + (s.power_w ? Number(s.power_w) : 0), 0);
    document.getElementById("kpi-power").textContent = (watts / 1000).toFixed(1);
  }

  function renderCommands() {
    const items = [...commands.entries()].reverse().slice(0, 20).map(([id, c]) =>
      el("li", { "data-command": id, text: c.station + " · " + c.action + " → " + c.status + (c.result ? " " + JSON.stringify(c.result) : "") })
    );
    document.getElementById("commands").replaceChildren(...items);
  }

  const handlers = {
    connector_status(event) {
      const station = stations.get(event.station_id);
      if (!station) return;
      if (event.connector_id === 0) {
        station.status = event.status;
      } else {
        let connector = station.connectors.find((c) => c.connector_id === event.connector_id);
        if (!connector) station.connectors.push((connector = { connector_id: event.connector_id }));
        connector.status = event.status;
        connector.error_code = event.error_code;
      }
      renderStations();
    },
    station_connection(event) {
      const station = stations.get(event.station_id);
      if (station) { station.connected = event.connected; station.online = event.connected; renderStations(); renderSide(); }
    },
    station_online(event) {
      const station = stations.get(event.station_id);
      if (station) { station.online = event.online; renderStations(); renderSide(); }
    },
    session(event) {
      if (event.status === "active") {
        const station = stations.get(event.station_id);
        sessions.set(event.session_id, Object.assign({ station: station ? station.identity : "" }, event));
      } else {
        sessions.delete(event.session_id);
      }
      renderSide();
    },
    incident(event) {
      if (event.status === "open") {
        const station = stations.get(event.station_id);
        incidents.set(event.incident_id, Object.assign({ station: station ? station.identity : "" }, event));
      } else {
        incidents.delete(event.incident_id);
      }
      renderSide();
    },
    command(event) {
      const station = stations.get(event.station_id);
      commands.set(event.command_id, { station: station ? station.identity : "#" + event.station_id, action: event.action, status: event.status, result: event.result });
      renderCommands();
    },
  };

  let delay = 1000;
  let everConnected = false;
  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + window.location.host + "/ws/live/");
    const badge = document.getElementById("live-state");
    socket.onopen = () => {
      delay = 1000;
      socket.send(JSON.stringify({ subscribe: "network" }));
      if (everConnected) {
        // Events sent while we were away are lost: repaint from the server's state.
        fetch(OPS.snapshotUrl, { credentials: "same-origin" })
          .then((response) => response.json())
          .then((snapshot) => { load(snapshot); renderStations(); renderSide(); });
      }
      everConnected = true;
    };
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (event.subscribed) { badge.textContent = OPS.text.live; badge.className = "badge up"; return; }
      const handler = handlers[event.kind];
      if (handler) handler(event);
    };
    socket.onclose = () => {
      badge.textContent = OPS.text.reconnecting;
      badge.className = "badge down";
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  renderStations();
  renderSide();
  renderCommands();
  connect();
})();
