// Behaviour that used to sit in inline event handlers (the Content-Security-Policy allows no
// inline script): a <select data-submit-on-change> submits its form when changed (the language).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-submit-on-change") && field.form) {
    field.form.submit();
  }
});
