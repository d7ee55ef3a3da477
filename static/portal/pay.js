// The pay-as-you-go form: the card is typed into Stripe's own field; Stripe turns it into
// a PaymentMethod and only its id is posted to us, which holds the amount and starts.
(function () {
  "use strict";
  var form = document.getElementById("pay-form");
  var script = document.currentScript;
  if (!form || typeof Stripe === "undefined") return;
  var stripe = Stripe(form.dataset.publishableKey);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var errorBox = document.getElementById("card-error");
  var button = document.getElementById("pay-button");
  var email = form.querySelector('input[name="email"]');
  form.addEventListener("submit", async function (event) {
    if (form.elements.payment_method.value) return; // the second, real submit
    event.preventDefault();
    button.disabled = true;
    errorBox.textContent = "";
    var details = email && email.value ? { email: email.value } : {};
    var result = await stripe.createPaymentMethod({ type: "card", card: card, billing_details: details });
    if (result.error || !result.paymentMethod) {
      errorBox.textContent = (result.error && result.error.message) || script.dataset.failed;
      button.disabled = false;
      return;
    }
    form.elements.payment_method.value = result.paymentMethod.id;
    form.submit();
  });
})();
