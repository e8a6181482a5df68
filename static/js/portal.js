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

// The header's menu button (base.html): on a phone the links fold behind it. portal.css
// shows or hides them by the button's aria-expanded, so the state a screen reader hears is
// the state on the screen. Escape closes it, and focus goes back to the button only when it
// was inside the menu (it would otherwise be lost in a hidden element).
function menuButton() {
  const button = document.querySelector(".menu-toggle");
  if (!button) return;
  const menu = document.getElementById(button.getAttribute("aria-controls"));
  const isOpen = () => button.getAttribute("aria-expanded") === "true";
  button.addEventListener("click", () => button.setAttribute("aria-expanded", String(!isOpen())));
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !isOpen()) return;
    button.setAttribute("aria-expanded", "false");
    if (menu.contains(document.activeElement)) button.focus();
  });
}
document.addEventListener("DOMContentLoaded", menuButton);
