"""golive's own active probes (disruptive environments only): SQL injection (error-,
boolean- and time-based), reflected XSS, open redirect, path traversal and SSRF on every
GET parameter the crawl and the configured endpoints give; then stored XSS and CSRF on
the state-changing forms (``golive.rules.appsec.stateful``).

Per parameter, with no finding, the probes send (the point's other parameters keep their
ordinary values; two baseline requests per endpoint come first):

==================  ====  =================================================================
probe               sent  payloads (``v`` = the ordinary value, ``S`` = ``sleep_s``)
==================  ====  =================================================================
SQL, error-based    1     ``v'"``: a database error message that the baseline lacks
SQL, boolean-based  4     ``v' AND 'g'='g`` / ``v' AND 'g'='h``; ``v AND 1=1`` / ``v AND 1=2``;
                          a pair that splits the answers is confirmed by one more pair (+2)
SQL, time-based     4     ``x' OR 1=(SELECT 1 FROM pg_sleep(S)) OR 'g'='h`` (PostgreSQL) and
                          ``x' OR (SELECT SLEEP(S)) OR 'g'='h`` (MySQL/SQLite), and both
                          in a numeric context; a slow answer is confirmed by the
                          same payload again and by ``S`` = 0 (+2); skipped once injectable
reflected XSS       1     ``v"'><glxNNNNNN>``: the tag back unescaped in an HTML answer
open redirect       2     ``https://golive-redirect.invalid/p`` and ``//golive-…/p``: a
                          3xx whose Location leaves for that host (never followed)
path traversal      2     ``../``×10 ``etc/passwd`` and ``....//``×10 ``etc/passwd``:
                          a passwd line in the answer
SSRF                2     URL-valued parameters only (the value is an http(s) URL, or the
                          name says url/uri/link/callback/webhook/image/fetch/…): a token
                          URL of golive's loopback canary under ``127.0.0.1``, then under
                          ``localhost`` (skipped when the first was already fetched); a
                          request for the token, even late (``ssrf_wait_s``, once per run)
==================  ====  =================================================================

That is 14 requests per parameter, 16 for a URL-valued one (+2 per endpoint); stored XSS
sends 1 request per form (+ up to ``reread_pages`` page reads per run), CSRF 1–2 per
state-changing request; all within the request and time budget of the security
targets' ``probes:`` settings. A finding names its OWASP Top 10 (2021) category, the
request that showed it and its risk (severity).
"""

from __future__ import annotations

import difflib
import html
import json
import re
import secrets
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, urljoin, urlsplit

from golive._net import is_loopback
from golive.facts.live.http_session import TargetSession
from golive.facts.live.probes import (
    BudgetExhausted,
    Canary,
    Exchange,
    FormPoint,
    InjectionPoint,
    Prober,
    ProbeSettings,
    crawl,
)
from golive.judging.findings import FindingSeverity, SourceResult
from golive.rules.appsec import stateful
from golive.rules.appsec.probe_common import SOURCE, probe_finding

__all__ = ["CHECKS", "REQUESTS_PER_PARAMETER", "SOURCE", "active_probes"]

CANARY_HOST = "golive-redirect.invalid"  # .invalid never resolves; and nothing is followed
# Which OWASP Top 10 (2021) category each probe checks.
CHECKS = {
    "SQL injection (error-, boolean-, time-based)": "A03",
    "reflected XSS": "A03",
    "open redirect": "A01",
    "path traversal": "A01",
}
# The probes that run on some parameters or requests only (see the module doc).
SCOPED_CHECKS = {
    "SSRF (loopback canary)": "A10",
    "stored XSS": "A03",
    "CSRF": "A01",
}
REQUESTS_PER_PARAMETER = {
    "SQL injection, error-based": 1,
    "SQL injection, boolean-based": 4,
    "SQL injection, time-based": 4,
    "reflected XSS": 1,
    "open redirect": 2,
    "path traversal": 2,
    "SSRF, per URL-valued parameter": 2,
    "stored XSS, per form (+ up to reread_pages pages per run)": 1,
    "CSRF, per state-changing request": 2,
}
# Answers this similar are "the same page"; below DIFFERENT they differ (difflib ratio).
SAME, DIFFERENT = 0.98, 0.90

_SQL_ERRORS = re.compile(
    r"syntax error at or near|unterminated quoted (?:string|identifier)|psycopg|PG::SyntaxError|"
    r"you have an error in your sql syntax|mysql_fetch|MySQLSyntaxErrorException|"
    r"unrecognized token|SQLITE_ERROR|sqlite3\.OperationalError|near \"[^\"]*\": syntax error|"
    r"unclosed quotation mark|quoted string not properly terminated|ORA-0\d{4}|"
    r"SQLSTATE\[|org\.hibernate\.|JDBC(?:Exception|SQL)",
    re.IGNORECASE,
)
_PASSWD = re.compile(r"^root:[^:\n]*:0:0:", re.MULTILINE)


_ENCODINGS: tuple[Callable[[str], str], ...] = (
    lambda t: t,
    html.escape,
    lambda t: html.escape(t, quote=False),
    lambda t: html.escape(t).replace("&#x27;", "&#39;"),
    lambda t: json.dumps(t)[1:-1],
    quote,
    quote_plus,
)


def _as_ordinary(text: str, payload: str, value: str) -> str:
    """``text`` with every echo of ``payload`` put back to ``value``: a page that repeats
    the input must not look different only because the input differs."""
    if payload == value:
        return text
    for encode in _ENCODINGS:
        text = text.replace(encode(payload), encode(value))
    return text


def _similar(probe: Exchange, payload: str, base: Exchange, value: str) -> float:
    """How alike ``probe`` (sent with ``payload``) and ``base`` (sent with ``value``) are."""
    if probe.status != base.status:
        return 0.0
    left, right = _as_ordinary(probe.text, payload, value), base.text
    if left == right:
        return 1.0
    if max(len(left), len(right)) > 20_000:  # difflib is quadratic: compare sizes instead
        return min(len(left), len(right)) / max(len(left), len(right), 1)
    return difflib.SequenceMatcher(None, left, right, autojunk=False).ratio()


@dataclass
class _Point:
    """One endpoint under probe: its baseline answers."""

    point: InjectionPoint
    base: Exchange
    stable: bool  # two baseline answers alike: a boolean difference means something
    base_s: float


@dataclass
class _Run:
    session: TargetSession
    prober: Prober
    settings: ProbeSettings
    result: SourceResult
    probed: list[str] = field(default_factory=list)
    canary: Canary | None = None
    # SSRF token → (parameter, payload, the request that carried it)
    ssrf_sent: dict[str, tuple[str, str, Exchange]] = field(default_factory=dict)
    ssrf_parameters: int = 0

    def send(self, p: _Point, name: str, value: str) -> Exchange | None:
        return self.prober.get(p.point.path, p.point.with_value(name, value))

    def add(self, rule: str, severity: FindingSeverity, message: str, exchange: Exchange) -> None:
        self.result.findings.append(probe_finding(rule, severity, message, exchange, self.session))


def _sql_error(run: _Run, p: _Point, name: str, value: str) -> bool:
    sent = run.send(p, name, value + "'\"")
    if sent is None:
        return False
    match = _SQL_ERRORS.search(sent.text)
    if match and not _SQL_ERRORS.search(p.base.text):
        run.add(
            "injection.sql-error",
            "critical",
            f"SQL injection in {name!r}: a quote breaks the query "
            f"(the answer shows the database error {match.group(0)!r})",
            sent,
        )
        return True
    return False


_BOOLEAN_PAIRS = (
    ("' AND 'g'='g", "' AND 'g'='h", "' AND 2>1 AND 'g'='g", "' AND 1>2 AND 'g'='g"),
    (" AND 1=1", " AND 1=2", " AND 2>1", " AND 1>2"),
)


def _splits(run: _Run, p: _Point, name: str, value: str, true: str, false: str) -> Exchange | None:
    """The false answer when the true payload answers like the baseline and the false one
    does not; else None."""
    yes = run.send(p, name, value + true)
    no = run.send(p, name, value + false)
    if yes is None or no is None:
        return None
    if _similar(yes, value + true, p.base, value) < SAME:
        return None
    if _similar(no, value + false, p.base, value) > DIFFERENT:
        return None
    return no


def _sql_boolean(run: _Run, p: _Point, name: str, value: str) -> bool:
    if not p.stable:
        run.result.notes.append(
            f"{p.point.path}: two ordinary requests answer differently; "
            f"boolean-based SQL probe of {name!r} skipped"
        )
        return False
    for true, false, true2, false2 in _BOOLEAN_PAIRS:
        if _splits(run, p, name, value, true, false) is None:
            continue
        confirmed = _splits(run, p, name, value, true2, false2)
        if confirmed is not None:
            run.add(
                "injection.sql-boolean",
                "critical",
                f"SQL injection in {name!r}: {value + true!r} answers like the ordinary "
                f"value, {value + false!r} does not (confirmed with a second pair)",
                confirmed,
            )
            return True
    return False


# (dialect, payload; DELAY is replaced by the seconds asked for). The value before the
# quote matches no row, so the OR must evaluate the sleep (the ordinary value may match
# and end the condition first).
_TIME_PAYLOADS = (
    ("PostgreSQL, string", "glnomatch' OR 1=(SELECT 1 FROM pg_sleep(DELAY)) OR 'g'='h"),
    ("MySQL/SQLite, string", "glnomatch' OR (SELECT SLEEP(DELAY)) OR 'g'='h"),
    ("PostgreSQL, numeric", "-7319 OR 1=(SELECT 1 FROM pg_sleep(DELAY))"),
    ("MySQL/SQLite, numeric", "-7319 OR (SELECT SLEEP(DELAY))"),
)


def _time_payloads(delay: str) -> list[tuple[str, str]]:
    return [(dialect, payload.replace("DELAY", delay)) for dialect, payload in _TIME_PAYLOADS]


def _sql_time(run: _Run, p: _Point, name: str, value: str) -> bool:
    delay = run.settings.sleep_s
    slow = p.base_s + 0.8 * delay
    for index, (dialect, payload) in enumerate(_time_payloads(f"{delay:g}")):
        sent = run.send(p, name, payload)
        if sent is None or sent.elapsed_s < slow:
            continue
        again = run.send(p, name, payload)
        control = run.send(p, name, _time_payloads("0")[index][1])
        if again is None or control is None:
            continue
        if again.elapsed_s >= slow and control.elapsed_s < p.base_s + 0.5 * delay:
            run.add(
                "injection.sql-time",
                "critical",
                f"SQL injection in {name!r} ({dialect}): asking the database to sleep "
                f"{delay:g} s delays the answer ({sent.elapsed_s:.2f} s and "
                f"{again.elapsed_s:.2f} s; {control.elapsed_s:.2f} s with 0 s; "
                f"ordinary {p.base_s:.2f} s)",
                again,
            )
            return True
    return False


def _xss(run: _Run, p: _Point, name: str, value: str) -> None:
    tag = f"glx{secrets.token_hex(3)}"
    sent = run.send(p, name, f"{value}\"'><{tag}>")
    if sent is not None and "html" in sent.content_type and f"<{tag}>" in sent.text:
        run.add(
            "injection.xss-reflected",
            "high",
            f"reflected XSS in {name!r}: the tag <{tag}> comes back unescaped in HTML",
            sent,
        )


def _redirect_host(request_url: str, location: str) -> str | None:
    # browsers read a backslash in a Location like a slash: "/\host" leaves the site
    return urlsplit(urljoin(request_url, location.strip().replace("\\", "/"))).hostname


def _redirect(run: _Run, p: _Point, name: str, _value: str) -> None:
    for payload in (f"https://{CANARY_HOST}/p", f"//{CANARY_HOST}/p"):
        sent = run.send(p, name, payload)
        if sent is None or not (300 <= sent.status < 400) or not sent.location:
            continue
        if _redirect_host(run.session.url(sent.target), sent.location) == CANARY_HOST:
            run.add(
                "redirect.open",
                "medium",
                f"open redirect in {name!r}: {payload!r} sends the browser to {sent.location!r}",
                sent,
            )
            return


def _traversal(run: _Run, p: _Point, name: str, _value: str) -> None:
    for payload in ("../" * 10 + "etc/passwd", "....//" * 10 + "etc/passwd"):
        sent = run.send(p, name, payload)
        if sent is not None and _PASSWD.search(sent.text) and not _PASSWD.search(p.base.text):
            run.add(
                "traversal.path",
                "high",
                f"path traversal in {name!r}: {payload!r} returns /etc/passwd",
                sent,
            )
            return


# words of a parameter name that say its value is a URL the server may fetch
_URL_WORDS = frozenset(
    re.findall(r"\w+", "url uri link callback webhook hook image img fetch feed avatar src source")
)
_URL_WORDS |= {"proxy", "preview", "endpoint"}


def url_valued(name: str, value: str) -> bool:
    """A parameter whose ordinary value is a URL, or whose name says it holds one."""
    if re.match(r"https?://", value, re.IGNORECASE):
        return True
    words = re.findall(r"[a-z]+|[A-Z][a-z]*", name)
    return any(word.lower() in _URL_WORDS for word in words)


def _ssrf(run: _Run, p: _Point, name: str, value: str) -> None:
    """Send the canary's URL (then under ``localhost``, which some filters miss); the hits
    are collected once all parameters are probed (a blind fetch may come later)."""
    if run.canary is None or not url_valued(name, value):
        return
    run.ssrf_parameters += 1
    for host in ("127.0.0.1", "localhost"):
        token, url = run.canary.url(host)
        sent = run.send(p, name, url)
        if sent is not None:
            run.ssrf_sent[token] = (name, url, sent)
        if run.canary.hits(token):
            return


def _ssrf_hits(run: _Run) -> None:
    if run.canary is None or not run.ssrf_sent:
        return
    seen = run.canary.wait(list(run.ssrf_sent), run.settings.ssrf_wait_s)
    named: set[tuple[str, str]] = set()
    for token in seen:
        name, url, sent = run.ssrf_sent[token]
        if (sent.target.split("?")[0], name) in named:
            continue
        named.add((sent.target.split("?")[0], name))
        run.add(
            "ssrf.canary-hit",
            "high",
            f"SSRF in {name!r}: sent {url!r}, the server requested golive's loopback "
            f"canary ({'; '.join(run.canary.hits(token))})",
            sent,
        )


def _probe_parameter(run: _Run, p: _Point, name: str, value: str) -> None:
    if not _sql_error(run, p, name, value) and not _sql_boolean(run, p, name, value):
        _sql_time(run, p, name, value)
    _xss(run, p, name, value)
    _redirect(run, p, name, value)
    _traversal(run, p, name, value)
    _ssrf(run, p, name, value)


def _baseline(run: _Run, point: InjectionPoint) -> _Point | None:
    params = dict(point.params)
    first = run.prober.get(point.path, params)
    second = run.prober.get(point.path, params)
    if first is None or second is None:
        return None
    stable = _similar(first, "", second, "") >= SAME
    return _Point(point, first, stable, max(first.elapsed_s, second.elapsed_s))


def _points(
    session: TargetSession, settings: ProbeSettings, prober: Prober
) -> tuple[list[InjectionPoint], list[FormPoint], list[str], dict[str, list[str]]]:
    """The configured endpoints, then those the crawl found; the configured forms, then
    the crawled POST forms; the pages the crawl read; and what the crawl read."""
    targets = session.targets
    exclude = [targets.login.path, *settings.exclude]
    seeds = list(dict.fromkeys([*targets.pages, *(e.path for e in settings.endpoints)]))
    found = crawl(prober, seeds, settings.crawl_pages, exclude)
    configured = [
        InjectionPoint(e.path, tuple(e.params.items()), "configured") for e in settings.endpoints
    ]
    known = {(p.path, tuple(sorted(p.names))) for p in configured}
    crawled = [p for p in found.points if (p.path, tuple(sorted(p.names))) not in known]
    forms = [
        FormPoint(f.method, f.path, tuple(f.fields.items()), f.encoding, "configured")
        for f in settings.forms
    ]
    listed = {(f.method, f.path) for f in forms}
    forms += [f for f in found.forms if (f.method, f.path) not in listed]
    facts = {
        "pages_read": found.pages,
        "post_forms_not_submitted": found.post_forms,
        "skipped": found.skipped[:50],
    }
    return configured + crawled, forms, found.pages, facts


def _canary(session: TargetSession, result: SourceResult) -> Canary | None:
    if is_loopback(session.base_url):
        return Canary()
    result.notes.append(
        "SSRF probe not run: its canary listens on this machine's loopback, which a target "
        "on another host cannot reach"
    )
    return None


def active_probes(session: TargetSession) -> SourceResult:
    """Crawl the target, then probe every GET parameter found, then the state-changing
    forms (stored XSS, CSRF), within the budget."""
    settings = session.targets.probes
    result = SourceResult(
        source=SOURCE,
        verified=True,
        label="active-probe: SQLi, XSS, open redirect, traversal, SSRF, CSRF",
    )
    prober = Prober(
        session.client,
        settings.max_requests,
        settings.time_budget_s,
        max(settings.request_timeout_s, 3 * settings.sleep_s),
    )
    started = time.monotonic()
    run = _Run(session, prober, settings, result)
    points, found_forms, pages, crawled = _points(session, settings, prober)
    forms = stateful.sendable(found_forms, result)
    result.facts["crawl"] = crawled
    if not points and not forms:
        return SourceResult.unverified(
            SOURCE,
            f"no GET parameter to probe: the crawl read {len(crawled['pages_read'])} "
            "page(s) from the security targets' pages and found no link or GET form with "
            "a query parameter or POST form, and probes.endpoints and probes.forms name none",
        )
    pending = [(p, name) for p in points for name in p.names]
    done = stored = csrf = 0
    with _canary(session, result) or nullcontext() as canary:
        run.canary = canary
        try:
            for point in points:
                p = _baseline(run, point)
                if p is None:
                    result.gaps.append(f"{point.path}: no answer to an ordinary request")
                    continue
                for name, value in point.params:
                    _probe_parameter(run, p, name, value)
                    done += 1
                    result.checked.append(f"GET {point.path} ?{name} (from {point.found_at})")
            _ssrf_hits(run)
            stored = stateful.stored_xss(
                prober, session, forms, pages, settings.reread_pages, result
            )
            csrf = stateful.csrf(prober, session, forms, result)
        except BudgetExhausted as exc:
            left = [f"{p.path}?{name}" for p, name in pending[done:]]
            result.gaps.append(
                f"probe budget spent ({exc}): {len(left)} parameter(s) not probed"
                + (": " + ", ".join(left[:20]) if left else "; the forms not all sent")
            )
            _ssrf_hits(run)
    result.notes += prober.errors[:20]
    if done == 0 and stored == 0 and csrf == 0 and not result.findings:
        result.verified = False
        result.reason = "; ".join(result.gaps) or "no parameter could be probed"
    result.facts.update(
        requests=prober.sent,
        wall_s=round(time.monotonic() - started, 2),
        parameters=done,
        url_parameters=run.ssrf_parameters,
        forms_submitted=stored,
        csrf_requests=csrf,
        requests_per_parameter=REQUESTS_PER_PARAMETER,
        owasp_checks=_owasp_checks(done, run.ssrf_parameters, stored, csrf),
    )
    return result


def _owasp_checks(parameters: int, urls: int, forms: int, csrf: int) -> dict[str, list[str]]:
    checks: dict[str, list[str]] = {}
    if parameters:
        for check, category in CHECKS.items():
            checks.setdefault(category, []).append(f"{check} on {parameters} parameter(s)")
    for check, count, what in (
        ("SSRF (loopback canary)", urls, "URL-valued parameter(s)"),
        ("stored XSS", forms, "form(s)"),
        ("CSRF", csrf, "cookie-authenticated state-changing request(s)"),
    ):
        if count:
            checks.setdefault(SCOPED_CHECKS[check], []).append(f"{check} on {count} {what}")
    return checks
