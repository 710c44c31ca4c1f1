/*
 * The article page of the admin (templates/admin/articles/article/change_form.html).
 *
 * - Each stored section shows as one line (heading, words, studies, any problem) and opens in
 *   place; a section with a problem, and a new one, start open.
 * - An outline above the sections jumps to any of them (and opens it).
 * - The rules of a table's columns (RDA rows, references), which Django shows only as a tooltip
 *   on the column's heading, are written out above the table.
 * - A refused save lists where each error is above the form; following one opens the folded
 *   section it leads into (a section holding an error opens by itself).
 * - On save, the sections nobody touched are left out of the POST and named in
 *   `_unchanged_sections` ("form index:section id:position"); the admin puts their stored values back
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
      // Open: a section with a problem, and a new one (not stored yet), to be written.
      const stored = form.querySelector(`[name='${form.id}-id']`);
      collapse(form, summary.problems > 0 || !(stored && stored.value));

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

  function showColumnRules() {
    document.querySelectorAll(".djn-tabular > .tabular > fieldset > table").forEach((table) => {
      const rules = Array.from(table.querySelectorAll(":scope > thead th")).filter((th) => th.querySelector("img.help-tooltip"));
      if (!rules.length) return;
      const list = document.createElement("ul");
      list.className = "help desk-column-help";
      rules.forEach((th) => {
        const item = document.createElement("li");
        const name = document.createElement("strong");
        name.textContent = th.textContent.trim();
        item.append(name, `: ${th.querySelector("img.help-tooltip").title}`);
        list.append(item);
      });
      table.before(list);
    });
  }

  function openAround(element) {
    for (let form = element.closest(".desk-collapsed"); form; form = form.parentElement.closest(".desk-collapsed")) {
      collapse(form, true);
    }
  }

  function linkErrorsToTheirFields() {
    document.querySelectorAll(".desk-error-summary a[href^='#']").forEach((link) => {
      link.addEventListener("click", (event) => {
        const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
        if (!target) return;
        event.preventDefault();
        openAround(target);
        target.scrollIntoView({ block: "center" });
        target.focus({ preventScroll: true });
      });
    });
  }

  function leaveOutUntouched(event) {
    const form = event.target;
    if (form.id !== "article_form" || event.defaultPrevented) return;
    const left = [];
    sectionForms().forEach((section) => {
      const index = section.id.split("-")[1];
      const id = section.querySelector(`[name='sections-${index}-id']`);
      // Only stored sections (with an id) that nobody touched or marked for deletion. Their
      // place is sent along: django-nested-admin numbers every position afresh on submit.
      if (!id || !id.value || section.classList.contains("desk-touched")) return;
      const remove = section.querySelector(`[name='sections-${index}-DELETE']`);
      if (remove && remove.checked) return;
      const position = section.querySelector(`[name='sections-${index}-position']`);
      section.querySelectorAll("input, select, textarea").forEach((field) => { field.disabled = true; });
      left.push(`${index}:${id.value}` + (position && position.value !== "" ? `:${position.value}` : ""));
    });
    const marker = document.createElement("input");
    marker.type = "hidden";
    marker.name = "_unchanged_sections";
    marker.value = left.join(",");
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
    showColumnRules();
    linkErrorsToTheirFields();
    // On the document, so it runs after django-nested-admin has numbered the positions (its
    // handler is on the form).
    document.addEventListener("submit", leaveOutUntouched);
  });
})();
