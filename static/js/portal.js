// Small behaviours shared by every page. Kept out of the templates so a strict
// Content-Security-Policy (no inline scripts) can be enforced.
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) {
    event.target.form.requestSubmit();
  }
});
