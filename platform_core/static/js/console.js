// The console's progress: each [data-poll] element asks its JSON address every second and shows
// the answer in its [data-field] children; when the job ends, the page reloads to show the
// result. Without JavaScript the page refreshes itself (a <noscript> refresh).
document.querySelectorAll("[data-poll]").forEach((element) => {
  const url = element.dataset.poll;
  const show = (state) => {
    element.querySelectorAll("[data-field]").forEach((field) => {
      const value = state[field.dataset.field];
      if (value === undefined || value === null) return;
      if (field.tagName === "PROGRESS") field.value = value;
      else field.textContent = value;
    });
  };
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const state = await response.json();
        show(state);
        if (state.status === "done" || state.status === "failed") {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // A dropped connection: try again at the next tick.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 500);
});
