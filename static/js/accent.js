// Category colours: set from data-accent through the CSSOM, since the Content-Security-Policy allows no
// inline style attributes.
"use strict";
document.querySelectorAll("[data-accent]").forEach((node) => {
  node.style.setProperty("--accent", node.dataset.accent);
});
