// Start GOV.UK Frontend's components (error summary focus, password reveal, ...).
import { initAll } from "/static/dist/govuk-frontend.min.js";
import "/static/js/timeout.js";

initAll();

// After an htmx update the person asked for (a button pressed, a link followed), move
// focus to what it put in the page, so a keyboard or screen reader user is not left on
// <body> (WCAG 2.4.3): its message first (an error, a status), else the updated part
// itself. Updates nobody asked for (polls, autosave while typing) and filter forms that
// announce their results in a live region (data-portal-keep-focus) leave focus alone,
// as does an update that kept focus on a control (htmx keeps it when ids match).
let updated = null;

document.body.addEventListener("htmx:beforeSwap", (event) => {
  const config = event.detail.requestConfig || {};
  const cause = config.triggeringEvent && config.triggeringEvent.type;
  const source = config.elt;
  const asked = cause === "submit" || cause === "click";
  const keep = source && source.closest && source.closest("[data-portal-keep-focus]");
  updated = asked && !keep && event.detail.target ? event.detail.target.id : null;
});

document.body.addEventListener("htmx:afterSettle", () => {
  const region = updated && document.getElementById(updated);
  updated = null;
  if (!region) return;
  initAll({ scope: region });
  searchable(region);
  // htmx keeps focus on a control that has the same id after the update: leave it there.
  if (region.contains(document.activeElement) && document.activeElement !== region) return;
  const message = region.querySelector(
    "[data-portal-focus], .govuk-error-message, [role=alert], [role=status]",
  );
  const into = message || region;
  if (!into.matches("a[href], button, input, select, textarea, [tabindex]")) {
    into.setAttribute("tabindex", "-1");
  }
  into.focus();
});

// Long lists of people: a <select data-portal-autocomplete> becomes GOV.UK's accessible
// autocomplete (type part of a name, pick from what matches); without JavaScript it
// stays a plain select. The select keeps the value the form sends.
function searchable(scope) {
  if (!window.accessibleAutocomplete) return;
  for (const select of scope.querySelectorAll("select[data-portal-autocomplete]")) {
    window.accessibleAutocomplete.enhanceSelectElement({
      selectElement: select,
      defaultValue: "",
      showAllValues: true,
      dropdownArrow: () => "",
      tNoResults: () => "No one by that name",
    });
  }
}
searchable(document);
