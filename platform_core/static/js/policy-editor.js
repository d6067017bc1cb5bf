// Live preview of the policy draft: re-rendered by the server as the admin types.
(function () {
  const form = document.querySelector("form[data-preview-url]");
  const target = document.getElementById("preview");
  if (!form || !target) return;
  let timer = null;
  let latest = 0;
  const refresh = () => {
    const ticket = ++latest;
    fetch(form.dataset.previewUrl, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then((response) => response.text())
      .then((html) => { if (ticket === latest) target.innerHTML = html; })
      .catch(() => {});
  };
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 400); });
  form.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(refresh, 100); });
})();
