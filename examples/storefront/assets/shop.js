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
})();
