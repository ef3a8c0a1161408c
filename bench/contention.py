"""Bookings at once, over HTTP: do locks cost anything beyond the work itself?

Against a running server, signed in as a partner manager:

1. one booking alone, and one refused booking alone (a time just taken);
2. ``n`` bookings of ``n`` different times, sent at once (all should win);
3. ``n`` bookings of one time, sent at once (exactly one should win).

Each burst's time is from the moment every request is ready to go until the last
answer. Issue 12's targets: the one-time burst within 1.2 x the different-times burst
(waiting on the slot's lock costs nothing beyond the work), and a refusal cheaper than
a booking. The different times are each on a day of their own for their host and their
participant, so no limit refuses them; the one time is wanted by ``n`` requests at once,
so only the slot itself decides who wins.
"""

from __future__ import annotations

import html
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

TENANT = "northbrook"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _opener(cookie: str):
    opener = urllib.request.build_opener(NoRedirect)
    opener.addheaders = [("Cookie", cookie)]
    return opener


def _get(opener, url: str) -> str:
    with opener.open(url, timeout=60) as response:
        return response.read().decode()


def _post(opener, url: str, data: dict) -> tuple[int, str, str]:
    """(status, Location or "", the session cookie it set or "") of a form POST,
    without following a redirect."""
    body = urllib.parse.urlencode(data).encode()
    try:
        with opener.open(url, data=body, timeout=120) as response:
            response.read()
            return response.status, "", ""
    except urllib.error.HTTPError as error:  # a 3xx surfaces here (no redirect handler)
        cookie = (error.headers.get("Set-Cookie") or "").split(";")[0]
        return error.code, error.headers.get("Location", ""), cookie


def why_refused(base: str, location: str, cookie: str) -> str:
    """The message a refused booking flashed (it travels in the session cookie)."""
    opener = _opener(cookie)
    page = _get(opener, location if location.startswith("http") else base + location)
    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else "?"


def _options(page: str, name: str) -> list[str]:
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if not found:
        raise SystemExit(f"no <select name={name}> on the find page")
    return [v for v in re.findall(r'<option[^>]*value="([^"]*)"', found.group(1)) if v]


def free_times(base: str, opener, need: int) -> list[str]:
    """``need`` links to book free times that do not compete with each other: each on
    its own day for its host and for its participant, so that no host's daily limit or
    participant's diary refuses one (only a lock could slow them). Participants are
    taken in the form's order, those on a placement (the others cannot book)."""
    find = f"{base}/{TENANT}/sessions/find"
    form = _get(opener, find)
    hosts = [v for v in _options(form, "who") if not v.startswith("service:")]
    chosen: list[str] = []
    busy: set[tuple[str, str]] = set()  # (who, London day) already used
    for participant in _options(form, "participant")[:80]:
        for host in hosts:
            for link in _links(opener, find, participant, host):
                day = _day(link)
                if (participant, day) in busy or (host, day) in busy:
                    continue
                busy |= {(participant, day), (host, day)}
                chosen.append(link)
                if len(chosen) >= need:
                    return chosen
    return chosen


def _day(link: str) -> str:
    start = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["start"][0]
    return start[:10]


def _links(opener, find: str, participant: str, host: str, fortnights: int = 4) -> list[str]:
    """Free hours of ``host`` for ``participant`` in the coming fortnights (the find
    page's "later" link), none if the first has none."""
    asked = {"participant": participant, "kind": "joint_visit", "who": host, "length": "60"}
    base = find.split(f"/{TENANT}/")[0]
    links: list[str] = []
    url = f"{find}?{urllib.parse.urlencode(asked)}"
    for _ in range(fortnights):
        page = _get(opener, url)
        found = re.findall(r'href="([^"]*/sessions/book\?[^"]*)"', page)
        if not found and not links:
            break
        links.extend(base + html.unescape(h) for h in found)
        later = re.search(r'href="([^"]*/sessions/find\?[^"]*from=[^"]*)"[^>]*rel="next"', page)
        if later is None:
            break
        url = base + html.unescape(later.group(1))
    return list(dict.fromkeys(links))


def _form_data(opener, link: str) -> dict:
    page = _get(opener, link)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    location = _options(page, "location")[0]
    return {"csrf_token": token, "location": location, "agenda": ""}


def _won(status: int, location: str) -> bool:
    return status == 302 and re.search(r"/sessions/\d+$", location) is not None


def burst(cookie: str, posts: list[tuple[str, dict]]) -> dict:
    """Send every POST at once (one thread each, released together); time to the last."""
    ready = threading.Barrier(len(posts) + 1)
    outcomes: list[bool] = []
    refusals: list[tuple[str, str]] = []
    lock = threading.Lock()

    def one(link: str, data: dict) -> None:
        opener = _opener(cookie)
        ready.wait()
        status, location, set_cookie = _post(opener, link, data)
        with lock:
            outcomes.append(_won(status, location))
            if not outcomes[-1]:
                refusals.append((location, set_cookie))

    threads = [threading.Thread(target=one, args=post) for post in posts]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    base = posts[0][0].split(f"/{TENANT}/")[0]
    return {
        "seconds": round(seconds, 4),
        "won": sum(outcomes),
        "refused": len(outcomes) - sum(outcomes),
        "a_refusal_said": why_refused(base, *refusals[0]) if refusals else "",
    }


def _alone(cookie: str, link: str, data: dict) -> tuple[float, bool]:
    opener = _opener(cookie)
    started = time.perf_counter()
    status, location, _ = _post(opener, link, data)
    return time.perf_counter() - started, _won(status, location)


def contention(base: str, cookie: str, *, n: int = 50, least: int = 10) -> dict:
    """The three measurements; ``n`` falls to the times the data has free (at least
    ``least``), so both bursts are always the same size."""
    opener = _opener(cookie)
    links = free_times(base, opener, n + 2)
    if len(links) < least + 2:
        raise SystemExit(f"only {len(links)} free times that do not compete, {least + 2} needed")
    n = len(links) - 2
    data = _form_data(opener, links[0])  # one token serves the session's every form
    booking, won = _alone(cookie, links[0], data)
    refusal, refused_won = _alone(cookie, links[0], data)  # the same time again
    if not won or refused_won:
        raise SystemExit("a booking alone should win and the same time again be refused")
    same = burst(cookie, [(links[1], data)] * n)  # links[1]: a day of its own, untouched
    different = burst(cookie, [(link, data) for link in links[2 : n + 2]])
    return {
        "n": n,
        "booking_seconds": round(booking, 4),
        "refusal_seconds": round(refusal, 4),
        "refusal_to_booking": round(refusal / booking, 2),
        "different_times": different,
        "one_time": same,
        "one_time_to_different": round(same["seconds"] / different["seconds"], 2),
        "correct": different["won"] == n and same["won"] == 1 and same["refused"] == n - 1,
    }


def report(result: dict) -> list[str]:
    """Lines for the bench's printout, with the targets it misses flagged."""
    flags = []
    if result["one_time_to_different"] > 1.2:
        flags.append("one time > 1.2 x different times")
    if result["refusal_to_booking"] >= 1:
        flags.append("a refusal costs as much as a booking")
    if not result["correct"]:
        flags.append("WRONG OUTCOME")
    n, same, different = result["n"], result["one_time"], result["different_times"]
    return [
        f"  bookings at once (n={n}): {n} different times {different['seconds']:.2f} s "
        f"({different['won']} booked); one time {same['seconds']:.2f} s ({same['won']} booked, "
        f"{same['refused']} refused): ratio {result['one_time_to_different']:.2f} (target ≤ 1.2)",
        f"  a refusal of the one time said: {same['a_refusal_said']}",
        f"  alone: a booking {result['booking_seconds'] * 1000:.0f} ms, a refusal "
        f"{result['refusal_seconds'] * 1000:.0f} ms: ratio {result['refusal_to_booking']:.2f} "
        "(target < 1)" + (f"  ← {'; '.join(flags)}" if flags else ""),
    ]
