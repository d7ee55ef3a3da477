// Confirms the SetupIntent in Stripe's Payment Element; the card data goes to Stripe only.
// Stripe then sends the driver back to the billing page and tells us by webhook.
(function () {
  "use strict";
  const form = document.getElementById("card-setup-form");
  const script = document.currentScript;
  if (!form || typeof Stripe === "undefined") {
    return;
  }
  const stripe = Stripe(form.dataset.publishableKey);
  const elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create("payment").mount("#card-element");
  const errorBox = document.getElementById("card-error");
  const button = document.getElementById("card-submit");
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    errorBox.textContent = "";
    const result = await stripe.confirmSetup({
      elements: elements,
      confirmParams: { return_url: form.dataset.returnUrl },
    });
    // Only reached when confirmation failed; on success Stripe redirects.
    errorBox.textContent = (result.error && result.error.message) || script.dataset.failed;
    button.disabled = false;
  });
})();
