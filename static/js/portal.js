// Small behaviours shared by every page. Kept out of the templates so a strict
// Content-Security-Policy (no inline scripts) can be enforced.

// A table wider than the screen scrolls inside its own box (portal.css). A keyboard user can
// scroll it only if it takes focus, so exactly the tables that overflow get a tab stop (named
// by their caption).
function scrollingTablesFocusable() {
  for (const table of document.querySelectorAll("main table")) {
    if (table.scrollWidth > table.clientWidth) table.tabIndex = 0;
    else table.removeAttribute("tabindex");
  }
}
document.addEventListener("DOMContentLoaded", scrollingTablesFocusable);
document.addEventListener("htmx:afterSettle", scrollingTablesFocusable);
window.addEventListener("resize", scrollingTablesFocusable);
