/*
 * The article page of the admin (templates/admin/articles/article/change_form.html).
 *
 * - Each section shows as one line (heading, words, studies, any problem) and opens in place.
 * - An outline above the sections jumps to any of them (and opens it).
 * - On save, the sections nobody touched are left out of the POST and named in
 *   `_unchanged_sections` ("form index:section id"); the admin puts their stored values back
 *   (articles/editing/unchanged.py). A long article so stays under Django's field limit.
 *
 * On the article list (change_list.html), below 1,400 px the filters form a band above the list
 * (static/css/admin-desk.css); the filters not in use start closed there, so the band stays a few
 * lines tall. Django's own script remembers what the editor opens or closes afterwards.
 *
 * Without this script the page works as Django's: every section open, every field posted, every
 * filter open.
 */
(function () {
  "use strict";

  function sectionForms() {
    return Array.from(document.querySelectorAll("#sections-group .djn-inline-form[id^='sections-']"))
      .filter((el) => /^sections-\d+$/.test(el.id));
  }

  function words(text) {
    const trimmed = text.trim();
    return trimmed ? trimmed.split(/\s+/).length : 0;
  }

  function summaryText(form) {
    const index = form.id.split("-")[1];
    const heading = form.querySelector(`[name='sections-${index}-heading']`);
    const body = form.querySelector(`[name='sections-${index}-body']`);
    const bodyText = body ? body.value.replace(/<[^>]*>/g, " ") : "";
    const studies = form.querySelectorAll(`.djn-inline-form[id^='sections-${index}-studies-']:not(.djn-empty-form)`).length;
    const problems = form.querySelectorAll(".errorlist").length;
    const parts = [
      (heading && heading.value) || "(no heading)",
      `${words(bodyText)} words`,
      `${studies} ${studies === 1 ? "study" : "studies"}`,
    ];
    if (problems) parts.push(`${problems} ${problems === 1 ? "problem" : "problems"}`);
    return { text: parts.join(" · "), problems: problems };
  }

  function collapse(form, open) {
    form.classList.toggle("desk-collapsed", !open);
    const toggle = form.querySelector(":scope > .desk-section-toggle");
    if (toggle) toggle.setAttribute("aria-expanded", String(open));
  }

  function setUpSections() {
    const forms = sectionForms();
    const outline = document.createElement("nav");
    outline.className = "desk-outline";
    outline.setAttribute("aria-label", "Outline of the article");
    const title = document.createElement("h2");
    title.textContent = `Outline (${forms.length} sections)`;
    const list = document.createElement("ol");
    outline.append(title, list);

    forms.forEach((form) => {
      const summary = summaryText(form);
      const toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "desk-section-toggle" + (summary.problems ? " has-problems" : "");
      toggle.textContent = summary.text;
      toggle.addEventListener("click", () => collapse(form, form.classList.contains("desk-collapsed")));
      form.prepend(toggle);
      collapse(form, summary.problems > 0);

      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#${form.id}`;
      link.textContent = summary.text;
      link.addEventListener("click", () => collapse(form, true));
      item.append(link);
      list.append(item);

      form.addEventListener("input", () => form.classList.add("desk-touched"));
      form.addEventListener("change", () => form.classList.add("desk-touched"));
    });
    const group = document.getElementById("sections-group");
    if (group && forms.length) group.before(outline);
  }

  function leaveOutUntouched(event) {
    const form = event.target;
    const pairs = [];
    sectionForms().forEach((section) => {
      const index = section.id.split("-")[1];
      const id = section.querySelector(`[name='sections-${index}-id']`);
      // Only stored sections (with an id) that nobody touched, moved or marked for deletion.
      const position = section.querySelector(`[name='sections-${index}-position']`);
      const moved = position && position.defaultValue !== position.value;
      if (!id || !id.value || section.classList.contains("desk-touched") || moved) return;
      const remove = section.querySelector(`[name='sections-${index}-DELETE']`);
      if (remove && remove.checked) return;
      section.querySelectorAll("input, select, textarea").forEach((field) => { field.disabled = true; });
      pairs.push(`${index}:${id.value}`);
    });
    const marker = document.createElement("input");
    marker.type = "hidden";
    marker.name = "_unchanged_sections";
    marker.value = pairs.join(",");
    form.append(marker);
  }

  const FILTER_BAND = "(max-width: 1400px)";

  function closeUnusedFilters() {
    if (!window.matchMedia(FILTER_BAND).matches) return;
    document.querySelectorAll("#changelist-filter details[open]").forEach((filter) => {
      const chosen = filter.querySelector("li.selected");
      const inUse = chosen && chosen !== filter.querySelector("li");
      if (!inUse) filter.open = false;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    closeUnusedFilters();
    const form = document.getElementById("article_form");
    if (!form) return;
    setUpSections();
    form.addEventListener("submit", leaveOutUntouched);
  });
})();
