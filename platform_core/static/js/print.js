// The print button; kept out of the page so that no inline script is needed.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
