// Stands in for https://js.stripe.com/v3/ in browser tests (served by Playwright's route on
// that address, so the page loads it exactly as it would load Stripe's): just enough of
// Stripe.js for the pay-as-you-go form. Its card field is a plain input; createPaymentMethod
// turns Stripe's test card numbers into Stripe's test PaymentMethod ids, as test mode does.
(function () {
  "use strict";
  var TEST_CARDS = {
    "4242424242424242": "pm_card_visa",
    "5555555555554444": "pm_card_mastercard",
    "4000000000000002": "pm_card_chargeDeclined"
  };
  window.Stripe = function (publishableKey) {
    if (!publishableKey) throw new Error("Stripe(): a publishable key is required");
    return {
      elements: function () {
        return {
          create: function (type) {
            var input = document.createElement("input");
            input.setAttribute("aria-label", "Card number");
            input.setAttribute("inputmode", "numeric");
            input.dataset.stripeElement = type;
            input.placeholder = "1234 1234 1234 1234";
            input.style.width = "100%";
            return { mount: function (selector) { document.querySelector(selector).appendChild(input); }, _input: input };
          }
        };
      },
      createPaymentMethod: function (options) {
        var number = options.card._input.value.replace(/\s+/g, "");
        var id = TEST_CARDS[number];
        if (!id) return Promise.resolve({ error: { type: "validation_error", message: "Your card number is invalid." } });
        return Promise.resolve({ paymentMethod: { id: id, type: "card", billing_details: options.billing_details || {} } });
      }
    };
  };
})();
