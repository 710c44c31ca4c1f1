/*
 * One empty form per kind of part on the article page (articles/admin/inlines.py,
 * `OneEmptyFormPerInline`).
 *
 * The server renders the empty form of a nested inline (the form "Add another" copies) only in
 * its parent's own empty form: "#sections-empty-studies-empty" inside "#sections-empty". This
 * script gives each nested formset of the parent's forms ("#sections-3-studies-group") a copy
 * of it under that formset's prefix ("sections-3-studies-…"), as django-nested-admin would have
 * rendered it there: "Add another study" then works in every section, and a new section,
 * copied from "#sections-empty", brings its own as before.
 *
 * Deferred, it runs once the page is read and before DOMContentLoaded, where django-nested-admin
 * reads each formset's empty form. It needs nothing else on the page.
 */
(function () {
  "use strict";

  // "<parent prefix>-empty-<nested name>-empty": a nested inline's one template.
  const TEMPLATE_ID = /^(.+)-empty-([^-]+)-empty$/;

  function escaped(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  /** A deep copy of `node` with `from` replaced by `to` in every attribute. */
  function copyRenamed(node, from, to) {
    const copy = node.cloneNode(true);
    [copy, ...copy.querySelectorAll("*")].forEach((element) => {
      Array.from(element.attributes).forEach((attribute) => {
        if (attribute.value.includes(from)) {
          element.setAttribute(attribute.name, attribute.value.split(from).join(to));
        }
      });
    });
    return copy;
  }

  /** The element holding a formset's forms (django-nested-admin's ".djn-items"). */
  function itemsOf(group) {
    return Array.from(group.querySelectorAll(".djn-items")).find(
      (items) => items.closest(".djn-group") === group,
    );
  }

  function copyIntoEachParentForm(template) {
    const [, parent, name] = TEMPLATE_ID.exec(template.id);
    const from = `${parent}-empty-${name}-`;
    const groupId = new RegExp(`^${escaped(parent)}-(\\d+)-${escaped(name)}-group$`);
    // The template and what the server renders after it only with it (a tabular inline's
    // "Add another" row); before it, the first line of a list that holds no form yet.
    const parts = [template];
    for (let next = template.nextElementSibling; next; next = next.nextElementSibling) {
      parts.push(next);
    }
    const firstLine = template.parentElement.querySelector(":scope > .djn-no-drag");

    document.querySelectorAll(".djn-group[id]").forEach((group) => {
      const match = groupId.exec(group.id);
      if (!match) return;
      const prefix = `${parent}-${match[1]}-${name}`;
      const items = itemsOf(group);
      if (!items || document.getElementById(`${prefix}-empty`)) return;
      if (firstLine && !items.querySelector(":scope > .djn-no-drag")) {
        items.prepend(firstLine.cloneNode(true));
      }
      items.append(...parts.map((part) => copyRenamed(part, from, `${prefix}-`)));
    });
  }

  document
    .querySelectorAll(".djn-empty-form[id]")
    .forEach((template) => TEMPLATE_ID.test(template.id) && copyIntoEachParentForm(template));
})();
