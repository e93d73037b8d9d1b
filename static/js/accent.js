// Category colours: set from data-accent through the CSSOM, since the Content-Security-Policy allows no
// inline style attributes.
"use strict";
// A channel's brand colour also brings its text-safe shade (data-accent-ink, AA on the page) and the text colour
// that reads on the accent itself (data-accent-on), both worked out by the server.
document.querySelectorAll("[data-accent]").forEach((node) => {
  node.style.setProperty("--accent", node.dataset.accent);
  if (node.dataset.accentInk) node.style.setProperty("--accent-ink", node.dataset.accentInk);
  if (node.dataset.accentOn) node.style.setProperty("--accent-on", node.dataset.accentOn);
});
