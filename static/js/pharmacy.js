// Dispense page: a second click on "Dispense" while the first request is on its way does nothing.
// (The server refuses a replayed form anyway: each form carries a one-time token.)
for (const form of document.querySelectorAll("form")) {
  const button = form.querySelector("[data-once]");
  if (!button) continue;
  form.addEventListener("submit", (event) => {
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    button.setAttribute("aria-disabled", "true");
    button.classList.add("disabled");
  });
}

// Dispensing slip: a Print button (no inline handlers under our CSP).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
