// The workspace lists' filters (sessions, enterprises, cooperatives): choosing a centre
// refreshes the dropdowns that depend on it (consultants, regencies) with that centre's
// choices, from the URL in the centre select's data-options-url (the page lists only those, so
// it stays small at national scale). Without this script the same choices arrive with the next
// "Terapkan".
// No user-facing text lives here: labels come from the server, translated.
(() => {
  "use strict";

  let latest = 0; // arrow keys fire "change" on some browsers: only the last answer counts

  async function narrow(centre) {
    const asked = ++latest;
    const url = new URL(centre.dataset.optionsUrl, window.location.href);
    url.searchParams.set("centre", centre.value);
    let choices;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      choices = await response.json();
    } catch {
      return; // offline: the dropdowns keep their choices, the server still checks them
    }
    if (asked !== latest) return;
    for (const [name, options] of Object.entries(choices)) {
      const select = centre.form.elements.namedItem(name);
      if (!(select instanceof HTMLSelectElement)) continue;
      const kept = select.value;
      // The first option is "all ..." (empty value); the rest are replaced.
      while (select.options.length > 1) select.remove(1);
      for (const { value, label } of options) {
        select.add(new Option(label, value, false, value === kept));
      }
    }
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target instanceof HTMLSelectElement && target.dataset.optionsUrl) narrow(target);
  });
})();
