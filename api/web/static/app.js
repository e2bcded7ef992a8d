// Enhancements only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    // Phone menu toggle.
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.getElementById("site-nav");
    if (toggle && nav) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = nav.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }

    // Move focus to an error summary so screen readers announce it.
    var summary = document.querySelector("[data-focus]");
    if (summary) { summary.focus(); }

    // <select data-autosubmit> submits its form on change (a button is still there without JS).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { if (select.form) { select.form.submit(); } });
    });

    // Forms with data-confirm ask before they are sent.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });

    // Product page: show the unit price of the volume tier that applies to the chosen variant and quantity.
    var quantity = document.querySelector("input[data-tier-input]");
    var output = document.getElementById("tier-price");
    if (quantity && output && quantity.form) {
      var form = quantity.form;
      var update = function () {
        var variant = form.querySelector("input[name=variant_id]:checked");
        if (!variant) { return; }
        var qty = parseInt(quantity.value, 10) || 1;
        var shown = variant.getAttribute("data-list-price-label") || "";
        var tiers = [];
        try { tiers = JSON.parse(variant.getAttribute("data-tiers") || "[]"); } catch (e) { tiers = []; }
        tiers.forEach(function (t) {
          if (qty >= t.min && (t.max === null || qty <= t.max)) { shown = t.label; }
        });
        output.textContent = shown;
      };
      quantity.addEventListener("input", update);
      form.addEventListener("change", update);
      update();
    }
  });
})();
