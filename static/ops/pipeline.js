// The staff map of candidate sites: one marker per candidate, coloured by overdue.
(function () {
  const points = JSON.parse(document.getElementById("pipeline-points").textContent);
  const map = L.map("pipeline-map");
  L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 19,
    attribution: "&copy; OpenStreetMap contributors",
  }).addTo(map);
  const bounds = [];
  for (const point of points) {
    const marker = L.circleMarker([point.lat, point.lon], {
      radius: 8,
      color: point.overdue ? "#b42318" : "#175cd3",
    }).addTo(map);
    const link = document.createElement("a");
    link.href = `${point.id}/`;
    link.textContent = `${point.name}: ${point.stage_label}${point.due_on ? ` (${point.due_on})` : ""}`;
    marker.bindPopup(link);
    bounds.push([point.lat, point.lon]);
  }
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 13 });
  } else {
    map.setView([50.1, 8.7], 5);
  }
})();
