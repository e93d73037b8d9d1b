// The header's search box: as-you-type suggestions (creators, streams, categories) from
// /api/v1/search/suggest, following the ARIA combobox pattern (a listbox popup, aria-activedescendant).
// Without this script the box is a plain GET form to /search/. Debounced; a newer keystroke aborts the
// request still in flight. Never innerHTML: labels come from users.
(function () {
  "use strict";
  const DEBOUNCE_MS = 150;
  const KIND_WORDS = { creator: "Creator", stream: "Stream", category: "Category" };

  function setup(form) {
    const input = form.querySelector('[role="combobox"]');
    const list = form.querySelector('[role="listbox"]');
    const status = form.querySelector("[data-search-status]");
    const url = input.dataset.suggestUrl;
    let items = [];
    let active = -1;
    let timer = 0;
    let inFlight = null;
    let lastQuery = "";

    function open() {
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", String(items.length > 0));
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function setActive(index) {
      const options = list.querySelectorAll('[role="option"]');
      options.forEach((node, i) => node.setAttribute("aria-selected", String(i === index)));
      active = index;
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    }

    function render(results) {
      items = results;
      list.replaceChildren();
      results.forEach((item, index) => {
        const option = document.createElement("li");
        option.id = `site-search-option-${index}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.className = `site-search-option kind-${item.type}`;
        if (item.image) {
          const img = document.createElement("img");
          img.src = item.image;
          img.alt = "";
          img.width = 32;
          img.height = 32;
          option.append(img);
        } else {
          const mark = document.createElement("span");
          mark.className = "site-search-mark";
          mark.setAttribute("aria-hidden", "true");
          mark.textContent = item.icon || (item.label || "?").charAt(0).toUpperCase();
          option.append(mark);
        }
        const text = document.createElement("span");
        text.className = "site-search-text";
        const label = document.createElement("span");
        label.className = "site-search-label";
        label.textContent = item.label;
        const detail = document.createElement("span");
        detail.className = "site-search-detail";
        detail.textContent = `${KIND_WORDS[item.type] || ""} · ${item.detail}`;
        text.append(label, detail);
        option.append(text);
        option.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the box
        option.addEventListener("click", () => go(index));
        list.append(option);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      status.textContent = results.length
        ? `${results.length} suggestion${results.length === 1 ? "" : "s"}; use the arrow keys to choose.`
        : "No suggestions.";
      open();
    }

    function go(index) {
      const item = items[index];
      if (item) window.location.assign(item.url);
    }

    async function fetchSuggestions(query) {
      if (inFlight) inFlight.abort();
      const controller = new AbortController();
      inFlight = controller;
      try {
        const response = await fetch(`${url}?q=${encodeURIComponent(query)}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
          signal: controller.signal,
        });
        if (!response.ok) return;
        const body = await response.json();
        if (input.value.trim() === query) render(body.results || []);
      } catch (error) {
        if (error.name !== "AbortError") status.textContent = "Suggestions are unavailable right now.";
      } finally {
        if (inFlight === controller) inFlight = null;
      }
    }

    input.addEventListener("input", () => {
      const query = input.value.trim();
      window.clearTimeout(timer);
      if (!query) {
        if (inFlight) inFlight.abort();
        lastQuery = "";
        items = [];
        list.replaceChildren();
        close();
        return;
      }
      if (query === lastQuery) return;
      timer = window.setTimeout(() => {
        lastQuery = query;
        fetchSuggestions(query);
      }, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", (event) => {
      const expanded = input.getAttribute("aria-expanded") === "true";
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!items.length) return;
        event.preventDefault();
        if (!expanded) {
          open();
          setActive(event.key === "ArrowDown" ? 0 : items.length - 1);
          return;
        }
        // Wrap around: past the last option to the first, above the first to the last.
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive((active + step + items.length) % items.length);
      } else if (event.key === "Enter") {
        if (expanded && active >= 0) {
          event.preventDefault();
          go(active);
        } // else: the form submits to /search/
      } else if (event.key === "Escape") {
        if (expanded) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          lastQuery = "";
        }
      } else if (event.key === "Home" || event.key === "End") {
        if (expanded) setActive(-1); // the caret moves in the box; no option stays active
      }
    });

    input.addEventListener("focus", () => {
      if (items.length && input.value.trim() === lastQuery) open();
    });
    form.addEventListener("focusout", (event) => {
      if (!form.contains(event.relatedTarget)) close();
    });
  }

  document.querySelectorAll("form[data-search]").forEach(setup);
})();
