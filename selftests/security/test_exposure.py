"""Whether a sensitive file is really served: its own content, not a page that answers 200.

Found on an independently written app (docs/validation.md, evfa): its not-found page
answers 200 and holds the request path, so it differs from the baseline page, and its
attribute lines (``name="viewport"``) looked like a .env's assignments.
"""

from __future__ import annotations

import httpx
import pytest

from golive.rules.appsec.passive import Baseline, served

BASE = Baseline(200, b"<!doctype html><title>Not here</title><p>/golive-probe-1 not found</p>",
                "/golive-probe-1")


def _not_found_page(path: str) -> bytes:
    return BASE.body.replace(b"/golive-probe-1", path.encode())

SOFT_404 = b"""
<!DOCTYPE html>
<html lang="en">
  <head>
    <meta
      name="viewport"
      content="width=device-width">
    <link rel="stylesheet" href="/static/app.css">
  </head>
  <body><p>Nothing at /.env</p></body>
</html>
"""
SPA_SHELL = b"<!-- build 41 -->\n<html><body><div id=root></div>\nAPI_URL='/api'</body></html>"


def _answer(body: bytes, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=body)


@pytest.mark.parametrize(("path", "body", "status", "expected"), [
    ("/.env", b"DATABASE_URL=postgres://app@db/app\nexport API_KEY=abc\n", 200, True),
    ("/.env.local", b"# local\nNEXT_PUBLIC_SITE=x\n", 200, True),
    ("/.git/config", b"[core]\n\trepositoryformatversion = 0\n", 200, True),
    ("/.env", SOFT_404, 200, False),          # a soft 404 that names the path
    ("/.env.production", SPA_SHELL, 200, False),  # an SPA shell with an assignment inside
    ("/.git/config", SOFT_404, 200, False),
    ("/.env", b"DATABASE_URL=x\n", 404, False),
    ("/backup.sql", b"<html><body>CREATE TABLE in a blog post</body></html>", 200, False),
    ("/backup.sql", b"-- PostgreSQL database dump\nCREATE TABLE t (id int);\n", 200, True),
])  # fmt: skip
def test_served_means_the_file_itself(path: str, body: bytes, status: int, expected: bool):
    assert served(path, _answer(body, status), BASE) is expected


@pytest.mark.parametrize(("path", "body", "expected"), [
    ("/debug", _not_found_page("/debug"), False),         # the same page, its path repeated
    ("/admin/", _not_found_page("/admin/"), False),
    ("/actuator/env", _not_found_page("/actuator/env"), False),
    ("/debug", b"<html><h1>Debug toolbar</h1><pre>SQL queries: 12</pre></html>", True),
    ("/admin", _not_found_page("/admin") + b"<table>users</table>", True),  # a page of its own
])  # fmt: skip
def test_a_not_found_page_that_repeats_the_path_is_not_the_page(
    path: str, body: bytes, expected: bool
):
    assert served(path, _answer(body), BASE) is expected
