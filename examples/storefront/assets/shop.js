// Enhancements only: every page works without this script.
(function () {
  "use strict";
  // Carousel arrows: scroll the track by most of its width.
  document.querySelectorAll(".carousel-frame").forEach(function (frame) {
    var track = frame.querySelector(".carousel-track");
    if (!track || track.children.length < 2) return;
    [["prev", "이전 상품", -1, "‹"], ["next", "다음 상품", 1, "›"]].forEach(function (a) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "carousel-arrow " + a[0];
      b.setAttribute("aria-label", a[1]);
      b.textContent = a[3];
      b.addEventListener("click", function () {
        track.scrollBy({ left: a[2] * track.clientWidth * 0.8, behavior: "smooth" });
      });
      frame.appendChild(b);
    });
  });
  // A form marked data-once cannot be sent twice by a double click (the
  // server makes one order of a resubmission anyway).
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  });
  // Confirm deletions and cancellations marked data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  });
  suggest(document.getElementById("search-query"));

  // suggest shows, under the header's search box, up to 8 brand and
  // product names from GET /search/suggest as the shopper types: a
  // combobox whose options are links to the brand's or the product's page.
  // Up and down move through them, Enter opens the one chosen (with none
  // chosen it submits the search, as without this script), Escape closes
  // the list.
  function suggest(input) {
    var form = input && input.form;
    if (!form || !window.fetch || !window.JSON) return;
    var max = 8, wait = 150;
    var paths = { brand: "/brands/", product: "/products/" };
    var kinds = { brand: "브랜드", product: "상품" };
    var list = document.createElement("ul");
    list.id = "search-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "추천 검색어");
    list.hidden = true;
    // Says how many suggestions came, for screen readers.
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    form.appendChild(list);
    form.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    var timer = 0, asked = 0, active = -1, pending = null;

    function options() { return list.querySelectorAll("[role=option]"); }
    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    // choose makes option i the active one; -1 leaves none.
    function choose(i) {
      var opts = options();
      if (active >= 0 && opts[active]) opts[active].setAttribute("aria-selected", "false");
      active = i;
      if (active < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      opts[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({ block: "nearest" });
    }
    function show(suggestions) {
      list.textContent = "";
      active = -1;
      suggestions.slice(0, max).forEach(function (s, i) {
        if (!paths.hasOwnProperty(s.kind)) return;
        var li = document.createElement("li");
        li.setAttribute("role", "presentation");
        var a = document.createElement("a");
        a.id = "search-suggestion-" + i;
        a.href = paths[s.kind] + encodeURIComponent(s.id);
        a.tabIndex = -1;
        a.setAttribute("role", "option");
        a.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "suggestion-name";
        name.textContent = s.name;
        var kind = document.createElement("span");
        kind.className = "suggestion-kind";
        kind.textContent = kinds[s.kind];
        a.appendChild(name);
        a.appendChild(kind);
        li.appendChild(a);
        list.appendChild(li);
      });
      var n = options().length;
      status.textContent = n ? "추천 검색어 " + n + "개가 있습니다. 위아래 화살표로 고를 수 있습니다." : "";
      if (!n) {
        close();
        return;
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      input.removeAttribute("aria-activedescendant");
    }
    function ask() {
      var q = input.value.trim();
      var mine = ++asked;
      if (pending) pending.abort();
      pending = null;
      if (!q) {
        status.textContent = "";
        close();
        return;
      }
      if (window.AbortController) pending = new AbortController();
      fetch("/search/suggest?q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: pending ? pending.signal : undefined
      }).then(function (res) {
        return res.ok ? res.json() : { suggestions: [] };
      }).then(function (body) {
        // Only the answer to what the box holds now, while it has the focus.
        if (mine === asked && document.activeElement === input) show(body.suggestions || []);
      }).catch(function () {
        // Cancelled by the next key, or offline: the box works as before.
      });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, wait);
    });
    input.addEventListener("keydown", function (e) {
      // Keys that a Korean input method is still composing with are its.
      if (e.isComposing || e.keyCode === 229) return;
      var n = list.hidden ? 0 : options().length;
      switch (e.key) {
        case "ArrowDown":
          if (!n) return;
          e.preventDefault();
          choose((active + 1) % n);
          break;
        case "ArrowUp":
          if (!n) return;
          e.preventDefault();
          choose(active <= 0 ? n - 1 : active - 1);
          break;
        case "Escape":
          if (!n) return;
          e.preventDefault();
          close();
          break;
      }
    });
    // Enter submits the form, as ever: with a suggestion chosen, it opens
    // that instead of searching. (The submit event, not the key's, decides,
    // so that a browser that submits on the key's press is covered too.)
    form.addEventListener("submit", function (e) {
      var opts = options();
      if (list.hidden || active < 0 || !opts[active]) return;
      e.preventDefault();
      window.location.assign(opts[active].href);
    });
    input.addEventListener("blur", close);
    // Pressing a suggestion keeps the focus in the box, so that its blur
    // does not close the list before the click follows the link.
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });
  }
})();
