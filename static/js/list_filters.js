// Dropdowns that depend on another: choosing a centre in the workspace lists' filters
// (sessions, enterprises, cooperatives) or a province in the public directory (home page)
// refreshes the dropdowns that depend on it (consultants, regencies) with its choices. The
// select that drives them names the URL in its data-options-url; the script asks it with the
// select's own name and value (?centre=12, ?province=18) and gets JSON
// {"<field name>": [{"value": ..., "label": ...}, ...]}, whose lists replace the options of the
// same form's selects of those names (the first, "all ...", option stays, and the current
// choice while still offered). The page lists only those choices, so it stays small at national
// scale. Without this script the same choices arrive with the next submit ("Terapkan",
// "Tampilkan"): the server narrows them too.
// No user-facing text lives here: labels come from the server, translated.
(() => {
  "use strict";

  let latest = 0; // arrow keys fire "change" on some browsers: only the last answer counts

  async function narrow(chosen) {
    const asked = ++latest;
    const url = new URL(chosen.dataset.optionsUrl, window.location.href);
    url.searchParams.set(chosen.name, chosen.value);
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
      const select = chosen.form.elements.namedItem(name);
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
    if (target instanceof HTMLSelectElement && target.name && target.dataset.optionsUrl) {
      narrow(target);
    }
  });
})();
