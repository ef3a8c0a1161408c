// Builds the portal's static assets from pinned npm packages into portal/static/dist.
// GOV.UK Frontend is compiled from Sass so that the GDS Transport font (reserved
// for GOV.UK) is never included: the portal uses the system font stack instead.
import { compile } from "sass";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "portal", "static", "dist");
mkdirSync(out, { recursive: true });

const css = compile(join(root, "assets", "portal.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "portal.css"), css.css);

const copy = (from, to) => cpSync(join(root, "node_modules", from), join(out, to));
copy("govuk-frontend/dist/govuk/govuk-frontend.min.js", "govuk-frontend.min.js");
copy("htmx.org/dist/htmx.min.js", "htmx.min.js");
// GOV.UK's accessible autocomplete: long <select>s of people become searchable with
// JavaScript and stay plain selects without it (static/js/init.js).
copy("accessible-autocomplete/dist/accessible-autocomplete.min.js", "accessible-autocomplete.min.js");
copy("accessible-autocomplete/dist/accessible-autocomplete.min.css", "accessible-autocomplete.min.css");
console.log(`assets built in ${out}`);
