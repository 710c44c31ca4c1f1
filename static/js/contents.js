/*
 * The table of contents is folded in the HTML (a closed <details>), which suits phones and
 * readers without JavaScript. On wide screens, where it sits beside plenty of room, this opens
 * it. Loaded right after the element, without `defer`, so it opens before the first paint and
 * nothing below moves. A static file: the Content-Security-Policy allows no inline script.
 */
(function () {
  "use strict";
  if (!window.matchMedia("(min-width: 48rem)").matches) {
    return;
  }
  document.querySelectorAll("details[data-open-when-wide]").forEach(function (details) {
    details.open = true;
  });
})();
