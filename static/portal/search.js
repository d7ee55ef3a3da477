// Station search: the map of results and the "Near me" button. The page works without it.
(function () {
  "use strict";
  var COLOURS = { available: "#1a7f37", busy: "#9a5b00", out_of_order: "#b42318", offline: "#5c636e" };
  var script = document.getElementById("search-script");
  var markers = JSON.parse(document.getElementById("map-markers").textContent);
  var mapElement = document.getElementById("map");

  if (window.L && mapElement) {
    var map = L.map(mapElement, { scrollWheelZoom: false });
    L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 19,
      attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    }).addTo(map);
    var bounds = [];
    markers.forEach(function (m) {
      var marker = L.circleMarker([m.lat, m.lng], {
        radius: 10, color: "#fff", weight: 2, fillColor: COLOURS[m.availability], fillOpacity: 1
      }).addTo(map);
      // Another network's site has no page here: its name without a link.
      var link = document.createElement(m.url ? "a" : "strong");
      if (m.url) { link.href = m.url; }
      link.textContent = m.name;
      var popup = document.createElement("div");
      popup.appendChild(link);
      popup.appendChild(document.createElement("br"));
      popup.appendChild(document.createTextNode(m.summary));
      marker.bindPopup(popup);
      bounds.push([m.lat, m.lng]);
    });
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
    } else {
      map.setView([51.2, 10.4], 5);
    }
  }

  var nearMe = document.getElementById("near-me");
  var status = document.getElementById("near-me-status");
  if (nearMe && navigator.geolocation) {
    nearMe.hidden = false;
    nearMe.addEventListener("click", function () {
      status.textContent = script.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById("id_lat").value = position.coords.latitude.toFixed(6);
        document.getElementById("id_lng").value = position.coords.longitude.toFixed(6);
        document.getElementById("id_q").value = "";
        document.getElementById("search-form").submit();
      }, function () {
        status.textContent = script.dataset.denied;
      }, { timeout: 10000, maximumAge: 60000 });
    });
  }
})();
