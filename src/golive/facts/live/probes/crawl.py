"""The target's own pages, links and forms: where the active probes can put a payload.

A breadth-first read of same-origin HTML pages from the seeds, within the page limit
and the prober's budget. Links with a query string and GET forms become injection
points; POST forms are listed with their fields, never submitted by the crawl (they
change state: only the stored-XSS and CSRF probes send them, disruptive runs only)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from golive.facts.live.probes.client import BudgetExhausted, FormPoint, InjectionPoint, Prober

__all__ = ["Crawl", "crawl"]


@dataclass
class _Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[_Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append(_Form(a.get("action", ""), (a.get("method") or "get").lower()))
        elif (
            tag in ("input", "select", "textarea")
            and self.forms
            and a.get("name")
            and a.get("type", "").lower() not in ("submit", "button", "image", "file")
        ):
            self.forms[-1].fields.append((a["name"], a.get("value", "")))


@dataclass
class Crawl:
    """What the crawl read and found."""

    pages: list[str] = field(default_factory=list)
    points: list[InjectionPoint] = field(default_factory=list)
    post_forms: list[str] = field(default_factory=list)
    forms: list[FormPoint] = field(default_factory=list)  # the POST forms, with fields
    skipped: list[str] = field(default_factory=list)  # links leaving the origin or excluded


def _excluded(path: str, exclude: list[str]) -> bool:
    return any(path.startswith(prefix) for prefix in exclude)


def crawl(prober: Prober, seeds: list[str], max_pages: int, exclude: list[str]) -> Crawl:
    """Read up to ``max_pages`` same-origin pages from ``seeds``; collect injection points."""
    found = Crawl()
    base = str(prober.client.base_url).rstrip("/") + "/"
    queue: deque[str] = deque(dict.fromkeys(seeds))
    seen: set[str] = set(queue)
    points: dict[tuple[str, tuple[str, ...]], InjectionPoint] = {}

    def consider(url: str, page: str, params: list[tuple[str, str]] | None = None) -> None:
        absolute = urljoin(urljoin(base, page), url)
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https"):
            return
        if not prober.same_origin(absolute):
            found.skipped.append(f"{absolute} (another origin)")
            return
        path = parts.path or "/"
        if _excluded(path, exclude):
            found.skipped.append(f"{path} (excluded)")
            return
        query = params if params is not None else parse_qsl(parts.query, keep_blank_values=True)
        if query:
            key = (path, tuple(sorted(n for n, _ in query)))
            points.setdefault(key, InjectionPoint(path, tuple(dict(query).items()), page))
        if path not in seen and len(seen) < max_pages * 4:
            seen.add(path)
            queue.append(path)

    try:
        while queue and len(found.pages) < max_pages:
            path = queue.popleft()
            exchange = prober.get(path)
            if exchange is None:
                continue
            found.pages.append(path)
            if exchange.location:
                consider(exchange.location, path)
            if "html" not in exchange.content_type:
                continue
            parser = _Links()
            parser.feed(exchange.text)
            for href in parser.links:
                consider(href, path)
            for form in parser.forms:
                if form.method != "get":
                    found.post_forms.append(f"{form.method.upper()} {form.action or path}")
                    action = urlsplit(urljoin(urljoin(base, path), form.action or path))
                    if prober.same_origin(action.geturl()) and not _excluded(
                        action.path or "/", exclude
                    ):
                        found.forms.append(
                            FormPoint(
                                form.method.upper(),
                                action.path or "/",
                                tuple(form.fields),
                                "form",
                                path,
                            )
                        )
                elif form.fields:
                    consider(form.action or path, path, form.fields)
    except BudgetExhausted:
        found.skipped.append("crawl stopped: probe budget spent")
    found.points = list(points.values())
    unique: dict[tuple[str, str, tuple[str, ...]], FormPoint] = {}
    for point in found.forms:  # a form on every page is one form
        unique.setdefault((point.method, point.path, tuple(n for n, _ in point.fields)), point)
    found.forms = list(unique.values())
    return found
