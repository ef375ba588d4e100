"""golive's probes that send state-changing requests (disruptive environments only):
stored XSS and CSRF, on the POST forms the crawl finds and the configured ``probes.forms``.

- Stored XSS: one request per form, every field but a token carrying its own marker
  (``"'><glsNNNNNN>``); then up to ``reread_pages`` pages are read again (where the answer
  redirected, the form's page, the crawled pages): a marker back as a tag in an HTML page
  is the finding (A03).
- CSRF: with the session cookie a configured identity got at login, each state-changing
  request is sent with a foreign ``Origin``/``Referer`` and without the form's token
  fields; when accepted (2xx), the same request without the cookie is the control. Accepted
  with the cookie, refused without it, and the cookie not held back by ``SameSite=Strict``
  or ``Lax``: a page on any site can make the user's browser do it (A01). 1–2 requests
  per form.
"""

from __future__ import annotations

import re
import secrets
from http.cookies import CookieError, Morsel, SimpleCookie
from urllib.parse import urljoin, urlsplit

from golive.facts.live.http_session import Login, TargetSession
from golive.facts.live.probes import Exchange, FormPoint, Prober
from golive.judging.findings import SourceResult
from golive.rules.appsec.probe_common import probe_finding

__all__ = ["FOREIGN_ORIGIN", "csrf", "sendable", "session_cookies", "stored_xss"]

FOREIGN_ORIGIN = "https://golive-csrf.invalid"  # .invalid never resolves
# fields a form carries to prove it came from the site itself: kept for stored XSS (so a
# good app accepts the submission), dropped for CSRF (a foreign page cannot know them)
_TOKEN_FIELD = re.compile(r"csrf|xsrf|authenticity|_token|nonce", re.IGNORECASE)
_WRITES = ("POST", "PUT", "PATCH")
# a form that ends the session would log the probes' identity out for the checks after them
_ENDS_SESSION = re.compile(r"log-?out|sign-?out|log-?off", re.IGNORECASE)


def sendable(forms: list[FormPoint], result: SourceResult) -> list[FormPoint]:
    """The forms the probes may send: all but those that end a session (noted)."""
    kept = [f for f in forms if not _ENDS_SESSION.search(f.path)]
    for form in forms:
        if form not in kept:
            result.notes.append(f"{form.label}: ends a session, not sent")
    return kept


def _ok(exchange: Exchange | None) -> bool:
    return exchange is not None and 200 <= exchange.status < 300


def stored_xss(
    prober: Prober,
    session: TargetSession,
    forms: list[FormPoint],
    pages: list[str],
    limit: int,
    result: SourceResult,
) -> int:
    """Submit a marker through each form, then look for it unescaped; the forms submitted."""
    markers: dict[str, tuple[str, Exchange]] = {}
    look: list[str] = []
    submitted = 0
    for form in (f for f in forms if f.method in _WRITES):
        fields: dict[str, str] = {}
        tags: dict[str, str] = {}
        for name, value in form.fields:
            if _TOKEN_FIELD.search(name):
                fields[name] = value
            else:
                tags[name] = f"gls{secrets.token_hex(3)}"
                fields[name] = f"{value}\"'><{tags[name]}>"
        if not tags:
            result.notes.append(f"{form.label}: no field to carry a stored-XSS marker")
            continue
        sent = prober.send(form.method, form.path, **form.body(fields))
        if sent is None:
            continue
        if sent.status >= 400:
            result.notes.append(f"{form.label}: refused the stored-XSS markers ({sent.status})")
            continue
        submitted += 1
        result.checked.append(f"{form.label} stored XSS: {len(tags)} field(s) marked")
        markers |= {tag: (name, sent) for name, tag in tags.items()}
        if sent.location:  # where the answer sends the browser: likely showing the entry
            target = urljoin(session.url(form.path), sent.location)
            if prober.same_origin(target):
                look.append(urlsplit(target).path or "/")
        look.append(form.found_at)
    if not markers:
        return submitted
    for page in list(dict.fromkeys([*look, *pages]))[:limit]:
        shown = prober.get(page)
        if shown is None or "html" not in shown.content_type:
            continue
        for tag, (name, sent) in list(markers.items()):
            if f"<{tag}>" in shown.text:
                del markers[tag]
                result.findings.append(
                    probe_finding(
                        "injection.xss-stored",
                        "high",
                        f"stored XSS: {name!r} sent by {sent.request} ({sent.status}) comes "
                        f"back as the tag <{tag}> unescaped in the HTML of {page}",
                        shown,
                        session,
                    )
                )
    return submitted


def _set_cookies(login: Login) -> dict[str, Morsel[str]]:
    """The cookies the login set (those with a value), by name; unparsable headers skipped."""
    found: dict[str, Morsel[str]] = {}
    for header in login.headers.get_list("set-cookie") if login.headers else []:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            continue
        found |= {name: morsel for name, morsel in jar.items() if morsel.value}
    return found


def session_cookies(login: Login) -> dict[str, str]:
    """Cookie name → its SameSite value ("" when absent) of the cookies set at login."""
    return {name: str(morsel["samesite"] or "").lower()
            for name, morsel in _set_cookies(login).items()}  # fmt: skip


def _cookie_header(login: Login) -> str:
    values = {name: morsel.value for name, morsel in _set_cookies(login).items()}
    return "; ".join(f"{name}={value}" for name, value in values.items())


def _cookie_login(session: TargetSession, result: SourceResult) -> Login | None:
    """The first configured identity whose login sets a cookie; None (and why) otherwise."""
    if not session.targets.identities:
        result.gaps.append(
            "CSRF not verified: the security targets name no identity (identities:) to get "
            "a session cookie with"
        )
        return None
    logins = session.logins()
    for login in logins:
        if session_cookies(login):
            return login
    if logins:  # bearer tokens only: a browser never sends them on its own
        result.notes.append(
            "CSRF: no identity's login sets a cookie (bearer tokens only): nothing a "
            "foreign page could make a browser send"
        )
    else:
        problems = "; ".join(str(f.problem) for f in session.failed())
        result.gaps.append(f"CSRF not verified: no identity could log in ({problems})")
    return None


def csrf(
    prober: Prober, session: TargetSession, forms: list[FormPoint], result: SourceResult
) -> int:
    """Each state-changing request, cookie-authenticated from a foreign origin; the number
    of requests that answered."""
    login = _cookie_login(session, result)
    if login is None:
        return 0
    if not forms:
        result.gaps.append(
            "CSRF not verified: the crawl found no POST form and probes.forms names no "
            "state-changing request"
        )
        return 0
    samesite = session_cookies(login)
    guarded = all(value in ("strict", "lax") for value in samesite.values())
    foreign = {"origin": FOREIGN_ORIGIN, "referer": f"{FOREIGN_ORIGIN}/"}
    answered = 0
    for form in forms:
        fields = {n: v for n, v in form.fields if not _TOKEN_FIELD.search(n)}
        forged = prober.send(
            form.method,
            form.path,
            headers={**foreign, "cookie": _cookie_header(login)},
            **form.body(fields),
        )
        if forged is None:
            continue
        if forged.status in (404, 405):
            result.notes.append(f"{form.label}: answers {forged.status} (no such request)")
            continue
        answered += 1
        result.checked.append(
            f"{form.label} CSRF: {login.identity}'s cookie, Origin {FOREIGN_ORIGIN}"
        )
        if not _ok(forged):
            continue
        control = prober.send(form.method, form.path, headers=foreign, **form.body(fields))
        if control is None or _ok(control):
            result.notes.append(f"{form.label}: accepted without the cookie too (not CSRF)")
            continue
        cookies = ", ".join(f"{n} (SameSite={v or 'unset'})" for n, v in samesite.items())
        if guarded:
            result.notes.append(
                f"{form.label}: accepted from a foreign origin with {login.identity}'s "
                f"cookie; only SameSite keeps browsers from sending it ({cookies})"
            )
            continue
        result.findings.append(
            probe_finding(
                "csrf.cookie-state-change",
                "high",
                f"CSRF: {form.label} is accepted ({forged.status}) with {login.identity}'s "
                f"session cookie from the foreign origin {FOREIGN_ORIGIN} without a token, "
                f"refused without the cookie ({control.status}); cookies: {cookies}",
                forged,
                session,
            )
        )
    return answered
