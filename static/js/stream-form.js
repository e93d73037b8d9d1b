// The studio's stream form: the price is asked only for a premium stream. Unticked, the price box is hidden and
// disabled, so it is not sent (the server refuses a price on a free stream, and drops it when premium is turned off).
(function () {
  "use strict";
  const premium = document.getElementById("id_is_premium");
  const price = document.getElementById("id_price_coins");
  if (!premium || !price || premium.disabled) return;
  const field = document.getElementById("field-price_coins");

  function follow() {
    const on = premium.checked;
    field.hidden = !on;
    price.disabled = !on;
  }
  premium.addEventListener("change", () => {
    follow();
    if (premium.checked) price.focus();
  });
  follow();
})();
