// Start GOV.UK Frontend's components (error summary focus, password reveal, ...).
import { initAll } from "/static/dist/govuk-frontend.min.js";

initAll();
