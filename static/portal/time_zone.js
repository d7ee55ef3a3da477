// Tell the server the browser's time zone (cookie "tz"), so pages write times in it
// unless the driver chose a zone in their profile (drivers/time_zones.py).
(function () {
  "use strict";
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // Zone names ("Europe/Berlin") are valid cookie characters as they are.
  if (zone && /^[A-Za-z0-9_+\-\/]+$/.test(zone) && document.cookie.indexOf("tz=" + zone) === -1) {
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
  }
})();
