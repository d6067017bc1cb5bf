// The Gregorian day beside an Umm al-Qura date as it is chosen (the server says it again on
// every page it renders, so without script the page only waits for the next one).
(function () {
  const hijri = new Intl.DateTimeFormat("en-u-ca-islamic-umalqura-nu-latn", {
    timeZone: "UTC", day: "numeric", month: "numeric", year: "numeric",
  });
  const partsOf = (date) => {
    const parts = {};
    for (const part of hijri.formatToParts(date)) parts[part.type] = parseInt(part.value, 10);
    return parts;
  };
  // The Hijri year's first day is near 622-07-19 plus 354.367 days a year; the exact day is
  // found by asking the browser's Umm al-Qura calendar for the days around the estimate.
  const gregorianOf = (year, month, day) => {
    const estimate = Date.UTC(622, 6, 19) + ((year - 1) * 354.367 + (month - 1) * 29.53 + day - 1) * 864e5;
    for (let shift = -4; shift <= 4; shift++) {
      const date = new Date(estimate + shift * 864e5);
      const parts = partsOf(date);
      if (parts.year === year && parts.month === month && parts.day === day) return date;
    }
    return null;
  };
  const pad = (n) => String(n).padStart(2, "0");
  document.querySelectorAll("[data-hijri-date]").forEach((fieldset) => {
    const output = fieldset.querySelector("[data-gregorian-of-hijri]");
    const value = (suffix) => parseInt(fieldset.querySelector(`[name$="_${suffix}"]`).value, 10);
    const show = () => {
      const [day, month, year] = ["day", "month", "year"].map(value);
      const date = day && month && year >= 1343 && year <= 1500 ? gregorianOf(year, month, day) : null;
      output.textContent = date
        ? `${pad(date.getUTCDate())}/${pad(date.getUTCMonth() + 1)}/${date.getUTCFullYear()}`
        : "—";
    };
    fieldset.addEventListener("input", show);
    fieldset.addEventListener("change", show);
  });
})();
