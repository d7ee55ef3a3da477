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

  // Disruptive commands are confirmed first (a mis-click must not reboot a charger).
  const DISRUPTIVE = ["reset_soft", "reset_hard", "unlock", "inoperative"];
  const PAGE_SIZE = 50;
  const view = { query: "", filter: "problems", page: 0 };

  function sendCommand(station, kind, connector, label, extra) {
    const target = station.identity + (connector ? " #" + connector : "");
    if (DISRUPTIVE.includes(kind) && !window.confirm(OPS.text.confirm.replace("%s", label + " — " + target))) return;
    const body = Object.assign({ kind: kind, connector: connector }, extra || {});
    post(OPS.commandUrl.replace("/0/", "/" + station.id + "/"), body).then((reply) => {
      if (reply.errors) {
        const words = Object.values(reply.errors).flat().join(" ");
        commands.set("error-" + Date.now(), { station: target, action: label, status: "failed", words: words });
      } else {
        commands.set(reply.command_id, { station: target, action: label, status: "pending" });
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
          commands.set(reply.command_id, { station: session.station, action: OPS.text.remoteStop, status: "pending" });
        } else if (reply.errors) {
          // Refused by the charge rule (ended, charger offline or not accepted): say why.
          const words = Object.values(reply.errors).flat().join(" ");
          commands.set("error-" + Date.now(), { station: session.station, action: OPS.text.remoteStop, status: "failed", words: words });
        }
        renderCommands();
      }
    );
  }

  function problemRank(station) {
    // Problems first: offline, then a faulted or unavailable connector, then the rest.
    if (!station.online) return 0;
    if (station.connectors.some((c) => c.status === "Faulted")) return 1;
    if (station.connectors.some((c) => c.status === "Unavailable" || c.status === "Unknown")) return 2;
    return 3;
  }

  function matches(station) {
    const query = view.query.trim().toLowerCase();
    if (query && !(station.identity + " " + station.site).toLowerCase().includes(query)) return false;
    const statuses = station.connectors.map((c) => c.status);
    switch (view.filter) {
      case "problems": return problemRank(station) < 3;
      case "offline": return !station.online;
      case "faulted": return statuses.includes("Faulted");
      case "charging": return statuses.some((s) => s === "Charging" || s === "SuspendedEV" || s === "SuspendedEVSE");
      case "available": return station.online && statuses.includes("Available");
      default: return true;
    }
  }

  function actionMenu(station) {
    const options = [["", OPS.text.chooseAction], ["reset_soft|0", OPS.text.reset]];
    station.connectors.forEach((c) => {
      options.push(["start|" + c.connector_id, OPS.text.start + " #" + c.connector_id]);
      options.push(["unlock|" + c.connector_id, OPS.text.unlock + " #" + c.connector_id]);
      const kind = c.status === "Unavailable" ? "operative" : "inoperative";
      options.push([kind + "|" + c.connector_id, OPS.text[kind] + " #" + c.connector_id]);
    });
    const select = el("select", { "aria-label": OPS.text.actionsFor.replace("%s", station.identity) },
      options.map(([value, text]) => el("option", { value: value, text: text })));
    const send = el("button", {
      class: "small", text: OPS.text.send,
      onclick: () => {
        if (!select.value) return;
        const [kind, connector] = select.value.split("|");
        const label = select.options[select.selectedIndex].text;
        if (kind === "start") {
          // A start goes through the charge rule for the idTag staff name.
          const idTag = window.prompt(OPS.text.idTag);
          if (idTag) sendCommand(station, kind, Number(connector), label, { id_tag: idTag });
        } else {
          sendCommand(station, kind, Number(connector), label);
        }
        select.value = "";
      },
    });
    return [select, send];
  }

  function renderStations() {
    const chosen = [...stations.values()].filter(matches)
      .sort((a, b) => problemRank(a) - problemRank(b) || a.identity.localeCompare(b.identity));
    const pages = Math.max(1, Math.ceil(chosen.length / PAGE_SIZE));
    view.page = Math.min(view.page, pages - 1);
    const rows = chosen.slice(view.page * PAGE_SIZE, (view.page + 1) * PAGE_SIZE).map((station) => {
      const link = station.online ? OPS.text.online : OPS.text.offline;
      const connectors = station.connectors.map((c) =>
        el("span", { class: "badge s-" + c.status, title: c.error_code, text: "#" + c.connector_id + " " + c.status })
      );
      return el("tr", { "data-station": station.id }, [
        el("td", {}, [el("a", { href: OPS.stationUrl.replace("/0/", "/" + station.id + "/"), text: station.identity })]),
        el("td", { text: station.site }),
        el("td", {}, [el("span", { class: "badge " + (station.online ? "up" : "down"), text: link })]),
        el("td", {}, connectors),
        el("td", { class: "actions" }, actionMenu(station)),
      ]);
    });
    if (!rows.length) rows.push(el("tr", {}, [el("td", { colspan: "5", text: OPS.text.noneMatch })]));
    document.getElementById("stations").replaceChildren(...rows);
    document.getElementById("station-count").textContent = OPS.text.shown
      .replace("%(shown)s", String(rows.length && chosen.length ? Math.min(PAGE_SIZE, chosen.length - view.page * PAGE_SIZE) : 0))
      .replace("%(total)s", String(chosen.length));
    document.getElementById("page-label").textContent = (view.page + 1) + " / " + pages;
    document.getElementById("page-prev").disabled = view.page === 0;
    document.getElementById("page-next").disabled = view.page >= pages - 1;
  }

  // Push events can arrive by the hundred per second at 500 stations: paint once a frame.
  let paintPending = false;
  function scheduleStations() {
    if (paintPending) return;
    paintPending = true;
    window.requestAnimationFrame(() => { paintPending = false; renderStations(); });
  }

  document.getElementById("station-search").addEventListener("input", (event) => { view.query = event.target.value; view.page = 0; renderStations(); });
  document.getElementById("station-filter").addEventListener("change", (event) => { view.filter = event.target.value; view.page = 0; renderStations(); });
  document.getElementById("page-prev").addEventListener("click", () => { view.page -= 1; renderStations(); });
  document.getElementById("page-next").addEventListener("click", () => { view.page += 1; renderStations(); });

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

  function commandWords(c) {
    const status = OPS.text.status[c.status] || c.status;
    const said = c.result && c.result.status ? " (" + c.result.status + ")" : "";
    return c.station + " · " + c.action + " → " + status + said + (c.words ? ": " + c.words : "");
  }

  function renderCommands() {
    const items = [...commands.entries()].reverse().slice(0, 20).map(([id, c]) =>
      el("li", { "data-command": id, class: "command-" + c.status, text: commandWords(c) })
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
      scheduleStations();
    },
    station_connection(event) {
      const station = stations.get(event.station_id);
      if (station) { station.connected = event.connected; station.online = event.connected; scheduleStations(); renderSide(); }
    },
    station_online(event) {
      const station = stations.get(event.station_id);
      if (station) { station.online = event.online; scheduleStations(); renderSide(); }
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
      const known = commands.get(event.command_id);
      commands.set(event.command_id, {
        station: known ? known.station : (station ? station.identity : "#" + event.station_id),
        action: known ? known.action : (OPS.text.actions[event.action] || event.action),
        status: event.status, result: event.result,
      });
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
