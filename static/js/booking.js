// The slot list (templates/mentoring/booking/_slots.html): pick a day first, then its times.
// Without this script every day shows and each day chip jumps to its times; with it, only the
// chosen day's times show, so a month of slots fits a phone's screen. The chosen day lives in
// the address's #fragment, so "back" from step 2 returns to the same day.
function dayPicker() {
  const chips = [...document.querySelectorAll(".day-picker .day-chip")];
  if (!chips.length) return;
  const days = chips.map((chip) => document.getElementById(chip.hash.slice(1)));
  function show(index) {
    chips.forEach((chip, i) => {
      if (i === index) chip.setAttribute("aria-current", "date");
      else chip.removeAttribute("aria-current");
      days[i].hidden = i !== index;
    });
  }
  const chosen = Math.max(0, chips.findIndex((chip) => chip.hash === window.location.hash));
  show(chosen);
  // Back from step 2 on a later day: that day's chip in sight. The strip scrolls, not the page
  // (scrollIntoView would also move the page to it).
  const strip = chips[0].closest("ul");
  strip.scrollLeft += chips[chosen].getBoundingClientRect().left - strip.getBoundingClientRect().left;
  chips.forEach((chip, i) => {
    chip.addEventListener("click", (event) => {
      event.preventDefault();
      show(i);
      // Keeps htmx's history entry (its state) and the query; only the day changes.
      history.replaceState(history.state, "", chip.hash);
      // A screen reader hears the day just chosen, then reads on into its times.
      days[i].querySelector("h3").focus();
    });
  });
}
document.addEventListener("DOMContentLoaded", dayPicker);
document.addEventListener("htmx:afterSettle", dayPicker);
