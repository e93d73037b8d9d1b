// The studio's payout destination form: "Check account" asks the bank for the account's name through the API
// (POST /api/v1/currency/payouts/destination/resolve) and shows it without leaving the page; "Save" appears once
// the name is shown and submits the form as usual. Without this script the form does the same in two steps.
(function () {
  "use strict";
  const form = document.querySelector(".destination-form");
  if (!form || !window.fetch) return;
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const bank = form.elements.bank_code;
  const account = form.elements.account_number;
  const preview = document.getElementById("destination-preview");
  const save = form.querySelector(".destination-save");
  const check = form.querySelector("button[value=check]");
  let checking = false;

  function show(text, name, error) {
    preview.textContent = "";
    preview.classList.toggle("destination-error", Boolean(error));
    if (name) {
      preview.append("Account name: ");
      const strong = document.createElement("strong");
      strong.textContent = name;
      preview.append(strong, ` (${text}). Is this you? Save it to receive your payouts there.`);
    } else {
      preview.textContent = text;
    }
    save.hidden = !name;
  }

  function firstMessage(body) {
    if (!body || typeof body !== "object") return "";
    if (typeof body.detail === "string") return body.detail;
    for (const key of ["account_number", "bank_code", "non_field_errors"]) {
      if (Array.isArray(body[key]) && body[key].length) return String(body[key][0]);
    }
    return "";
  }

  function changed() {
    if (!save.hidden || preview.textContent) show("", "");
  }
  bank.addEventListener("change", changed);
  account.addEventListener("input", changed);

  form.addEventListener("submit", async (event) => {
    if (event.submitter !== check) return; // Save: an ordinary form post
    event.preventDefault();
    if (checking) return;
    if (!bank.value) { show("Choose your bank.", "", true); bank.focus(); return; }
    const number = account.value.replace(/[\s-]/g, "");
    if (!/^\d{10}$/.test(number)) { show("Enter your 10-digit account number (NUBAN).", "", true); account.focus(); return; }
    checking = true;
    check.setAttribute("aria-disabled", "true");
    show("Checking with your bank…", "");
    try {
      const response = await fetch(form.dataset.resolveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: JSON.stringify({ bank_code: bank.value, account_number: number }),
      });
      const body = await response.json().catch(() => null);
      if (response.ok && body && body.account_name) {
        show(body.bank_name, body.account_name);
      } else if (response.status === 429) {
        show("Too many account checks for now. Try again later.", "", true);
      } else {
        show(firstMessage(body) || "The account could not be checked. Try again.", "", true);
      }
    } catch (error) {
      show("The account could not be checked: the connection failed. Try again.", "", true);
    } finally {
      checking = false;
      check.removeAttribute("aria-disabled");
    }
  });
})();
