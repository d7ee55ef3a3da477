// A pay-as-you-go charge's page between its stages: while the charger starts, and while the
// receipt is priced, it polls one small JSON and reloads when the stage moves on. The live
// session itself is session.js's and live.js's, as on the portal's session page.
(function () {
  "use strict";
  var box = document.getElementById("pay-stage");
  var waitingForReceipt = document.getElementById("receipt-pending");
  if (!box || (box.dataset.stage !== "starting" && !waitingForReceipt)) return;
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.stage !== box.dataset.stage || (waitingForReceipt && state.receipt)) { location.reload(); return; }
        if (tries < 300) setTimeout(poll, 1000);
      })
      .catch(function () { if (tries < 300) setTimeout(poll, 2000); });
  }
  setTimeout(poll, 1000);
})();
