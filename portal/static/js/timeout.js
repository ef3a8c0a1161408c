// The idle timeout, said before it comes (WCAG 2.2.1 Timing Adjustable).
//
// The server holds the idle clock (portal/accounts/sign_in_sessions.py) and tells the
// page how long it has left (data-portal-session-left on <body>). Shortly before the
// end a dialog says so, with "Stay signed in", which starts the clock again. Before
// showing it the page asks the server again, so that activity in another tab, or an
// htmx update on this one, moves the warning rather than raising a false one. If
// nobody answers, what was typed into this page's forms is handed to the server a few
// seconds before the end (portal/accounts/kept_forms.py), and the page goes to
// sign-in; afterwards the same page opens with the form filled in again.
const body = document.body;
const dialog = document.getElementById("portal-timeout");
const csrf = () => JSON.parse(body.dataset.hxHeaders || "{}")["X-CSRFToken"] || "";

const HAND_OVER_BEFORE = 5; // seconds before the end: the session must still be open

function words(seconds) {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  }
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}

function request(url, method, data) {
  return fetch(url, {
    method,
    body: data,
    credentials: "same-origin",
    headers: { "HX-Request": "true", "X-CSRFToken": csrf(), Accept: "application/json" },
  });
}

async function secondsLeft(url, method = "GET") {
  try {
    const response = await request(url, method);
    if (!response.ok || response.status === 286) return 0; // already signed out
    return (await response.json()).left;
  } catch {
    return null; // offline for a moment: keep the page's own count
  }
}

if (dialog && body.dataset.portalSessionLeft) {
  const warnFor = Number(body.dataset.portalSessionWarn);
  const urls = dialog.dataset;
  const visible = dialog.querySelector("[data-portal-timeout-count]");
  const spoken = dialog.querySelector("[data-portal-timeout-spoken]");
  let deadline = Date.now() + Number(body.dataset.portalSessionLeft) * 1000;
  let timer = null;
  let ticker = null;
  let typedIn = null; // the form last typed into on this page
  let returnFocus = null;

  document.addEventListener("input", (event) => {
    if (event.target.form) typedIn = event.target.form;
  });

  const left = () => Math.max(0, Math.round((deadline - Date.now()) / 1000));

  const showDeadline = () => {
    const at = new Date(deadline);
    const text = at.toLocaleTimeString("en-GB", {
      hour: "2-digit",
      minute: "2-digit",
      timeZone: "Europe/London",
    });
    for (const time of document.querySelectorAll("[data-portal-session-deadline]")) {
      time.textContent = text;
      time.setAttribute("datetime", at.toISOString());
    }
  };

  const schedule = (seconds) => {
    deadline = Date.now() + seconds * 1000;
    showDeadline();
    clearTimeout(timer);
    timer = setTimeout(check, Math.max(0, seconds - warnFor) * 1000);
  };

  const tick = () => {
    const seconds = left();
    visible.textContent = words(seconds);
    if (seconds % 30 === 0 || seconds === 10) spoken.textContent = `${words(seconds)} left`;
    if (seconds <= HAND_OVER_BEFORE) {
      clearInterval(ticker);
      handOver();
    }
  };

  const warn = () => {
    if (!dialog.open) {
      returnFocus = document.activeElement;
      visible.textContent = words(left());
      spoken.textContent = "";
      dialog.showModal();
      dialog.querySelector("[data-portal-stay]").focus();
    }
    clearInterval(ticker);
    ticker = setInterval(tick, 1000);
  };

  async function check() {
    const seconds = await secondsLeft(urls.leftUrl);
    if (seconds === null) return warn();
    if (seconds > warnFor + 5) return schedule(seconds); // busy elsewhere: not yet
    deadline = Date.now() + seconds * 1000;
    return warn();
  }

  async function stay() {
    clearInterval(ticker);
    const seconds = await secondsLeft(urls.stayUrl, "POST");
    if (dialog.open) dialog.close();
    if (returnFocus && returnFocus.focus) returnFocus.focus();
    if (seconds) schedule(seconds);
    else window.location.assign(window.location.pathname + window.location.search);
  }

  async function handOver() {
    if (dialog.open) dialog.close();
    if (typedIn) {
      const fields = new URLSearchParams();
      for (const [name, value] of new FormData(typedIn)) {
        if (typeof value === "string") fields.append(name, value);
      }
      try {
        await request(urls.keepUrl, "POST", fields);
      } catch {
        // nothing more to do: the sign-in page says what happened
      }
    }
    // Past the end, opening the page again signs out and says why.
    setTimeout(
      () => window.location.assign(window.location.pathname + window.location.search),
      (left() + 1) * 1000,
    );
  }

  dialog.querySelector("[data-portal-stay]").addEventListener("click", stay);
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault(); // Escape means "stay", as the button does
    stay();
  });
  dialog.querySelector("[data-portal-sign-out]").addEventListener("click", () => {
    document.getElementById("portal-sign-out").requestSubmit();
  });
  // An htmx request the person caused (a click, typing that autosaves) moves the
  // server's clock too, to within a minute; polls have no triggering event and do not.
  body.addEventListener("htmx:afterRequest", (event) => {
    const config = event.detail.requestConfig;
    if (!config || !config.triggeringEvent || dialog.open) return;
    schedule(Math.max(left(), Number(urls.idle) - 60));
  });
  schedule(left());
}
