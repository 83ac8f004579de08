// Small behaviours shared by every page. Feature modules (notifications.js, call.js …) load themselves.
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});

// A double click on a submit button must not send the form twice.
document.querySelectorAll("form").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (event.defaultPrevented) return;
    const button = form.querySelector("button[type=submit]:not([formnovalidate])");
    if (button) setTimeout(() => { button.disabled = true; }, 0);
  });
});
