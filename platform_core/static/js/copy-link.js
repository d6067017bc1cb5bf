// The status page's copy and share buttons: shown only where the browser can do them; without
// script the link stays selectable and the e-mail link works.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  if (!navigator.clipboard) return;
  var input = document.getElementById(button.dataset.copy);
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(input.value).then(function () {
      button.textContent = button.dataset.done;
    });
  });
});
document.querySelectorAll("[data-share]").forEach(function (button) {
  if (!navigator.share) return;
  var input = document.getElementById(button.dataset.share);
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.share({ title: button.dataset.title, url: input.value }).catch(function () {});
  });
});
