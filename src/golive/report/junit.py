"""JUnit XML: one test case per criterion in scope, its id and area as properties.

CI tools read failures, not golive's statuses: a criterion that keeps the run from GO is a
``<failure>`` (or ``<error>``), so a test tab never reads "0 failures" beside a red job;
only criteria that decide nothing stay ``<skipped>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from golive.catalog import Severity
from golive.judging.results import CriterionResult, RunData
from golive.judging.verdict import RunVerdict, Status
from golive.report.signoffs import signoff_rows

__all__ = ["render_junit"]

# the header line evidence.expect_no_findings writes above the findings themselves
_FINDINGS_HEADER = re.compile(r": \d+ finding\(s\)$")


def _headline(reason: str) -> str:
    """The line a CI tool shows: the first finding rather than "N finding(s)"."""
    lines = [line.strip() for line in reason.splitlines() if line.strip()]
    if not lines:
        return ""
    if len(lines) > 1 and _FINDINGS_HEADER.search(lines[0]):
        return lines[1]
    return lines[0]


def _decides(result: CriterionResult, data: RunData) -> bool:
    """A blocking criterion not verified keeps the run from GO, unless the team gates only
    on what could be verified (--allow-unverified)."""
    return (
        result.status is Status.NOT_VERIFIED
        and result.severity is Severity.BLOCKING
        and data.verdict in (RunVerdict.NO_GO, RunVerdict.UNVERIFIED)
        and not data.allow_unverified
    )


def render_junit(data: RunData) -> str:
    deciding = {c.id for c in data.criteria if _decides(c, data)}
    signed = {row.id: row for row in signoff_rows(data)}
    failures = sum(c.status is Status.FAIL or c.id in deciding for c in data.criteria)
    errors = sum(c.status is Status.ERROR for c in data.criteria)
    suite = ET.Element(
        "testsuite",
        name=f"golive-{data.profile or 'run'}",
        tests=str(len(data.criteria)),
        failures=str(failures),
        errors=str(errors),
        skipped=str(len(data.criteria) - failures - errors
                    - sum(c.status is Status.PASS for c in data.criteria)),
        timestamp=data.started_at.isoformat(),
        time=f"{(data.finished_at - data.started_at).total_seconds():.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("verdict", data.verdict.value), ("exit_code", str(data.exit_code)),
        ("allow_unverified", str(data.allow_unverified).lower()),
        ("profile", data.profile or ""), ("env", data.env or ""),
        ("scope_in", str(data.scope["in"])), ("scope_out", str(data.scope["out"])),
        ("narrowed_by", "; ".join(data.narrowed_by)),
        ("run_id", data.run_id or ""),
        ("attestations_signed", str(sum(r.counts for r in signoff_rows(data)))),
        ("attestations", str(len(signoff_rows(data)))),
    ):
        ET.SubElement(props, "property", name=name, value=value)
    for result in data.criteria:
        case = ET.SubElement(
            suite, "testcase", classname=f"golive.{result.area}", name=result.id,
            time=f"{sum(c.duration_s for c in result.checks):.3f}",
        )
        case_props = ET.SubElement(case, "properties")
        for name, value in (("criterion", result.id), ("area", result.area),
                            ("severity", result.severity.value), ("kind", result.kind.value),
                            ("status", result.status.value)):
            ET.SubElement(case_props, "property", name=name, value=value)
        if not result.automated:  # the sign-off, apart from any check
            row = signed[result.id]
            for name, value in (("signed", str(row.counts).lower()), ("by", row.signer),
                                ("date", row.date), ("expires", row.expires), ("run", row.run),
                                ("key", row.key)):  # fmt: skip
                ET.SubElement(case_props, "property", name=f"attestation.{name}", value=value)
        reason = result.reason or ""
        if result.status is Status.FAIL:
            ET.SubElement(case, "failure", message=_headline(reason)).text = reason
        elif result.status is Status.ERROR:
            ET.SubElement(case, "error", message=_headline(reason)).text = reason
        elif result.id in deciding:
            ET.SubElement(case, "failure", message=f"not verified: {_headline(reason)}",
                          type="not_verified").text = reason
        elif result.status is not Status.PASS:
            ET.SubElement(case, "skipped", message=f"{result.status.value}: {reason}")
    ET.indent(suite)
    body = ET.tostring(suite, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'
