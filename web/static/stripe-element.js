// The pledge form in Stripe mode: mount Stripe's Payment Element, and on submit turn the card
// into a PaymentMethod (pm_...) for the hidden payment_method field, then send the same form.
(function () {
  "use strict";

  var mount = document.getElementById("payment-element");
  if (!mount) {
    return;
  }
  var form = mount.closest("form");
  var field = form.querySelector('input[name="payment_method"]');
  var message = document.getElementById("payment-element-error");
  // The pledge form also has a "See what the funds add" button: it needs no card.
  var button = form.querySelector('button[type="submit"][value="pledge"]') ||
    form.querySelector('button[type="submit"]');

  function showError(text) {
    message.textContent = text;
    message.hidden = false;
  }

  function clearError() {
    message.textContent = "";
    message.hidden = true;
  }

  if (typeof window.Stripe !== "function") {
    showError("Stripe's card form could not be loaded. Check your connection and reload the page.");
    if (button) {
      button.disabled = true;
    }
    return;
  }

  var stripe = window.Stripe(mount.dataset.stripeKey);
  // Setup mode: the card is only saved here; civicfund charges it (or places a hold) itself.
  var elements = stripe.elements({
    mode: "setup",
    currency: mount.dataset.currency,
    paymentMethodCreation: "manual",
    paymentMethodTypes: ["card"]
  });
  elements.create("payment").mount(mount);

  var sending = false;
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.value === "preview") {
      return;
    }
    event.preventDefault();
    if (sending) {
      return;
    }
    sending = true;
    clearError();
    if (button) {
      button.disabled = true;
    }

    function stop(error) {
      showError(error.message || "Your card could not be read. Please check it and try again.");
      sending = false;
      if (button) {
        button.disabled = false;
      }
    }

    elements.submit().then(function (checked) {
      if (checked.error) {
        return stop(checked.error);
      }
      return stripe.createPaymentMethod({ elements: elements }).then(function (result) {
        if (result.error) {
          return stop(result.error);
        }
        field.value = result.paymentMethod.id;
        form.submit(); // does not fire "submit" again
      });
    }).catch(stop);
  });
})();
