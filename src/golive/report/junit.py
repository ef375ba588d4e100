"""JUnit XML: one test case per criterion, its id and area as properties."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from golive.judging.results import RunData
from golive.judging.verdict import Status

__all__ = ["render_junit"]


def render_junit(data: RunData) -> str:
    suite = ET.Element(
        "testsuite",
        name=f"golive-{data.profile or 'run'}",
        tests=str(len(data.criteria)),
        failures=str(sum(c.status is Status.FAIL for c in data.criteria)),
        errors=str(sum(c.status is Status.ERROR for c in data.criteria)),
        skipped=str(sum(c.status not in (Status.PASS, Status.FAIL, Status.ERROR)
                        for c in data.criteria)),
        timestamp=data.started_at.isoformat(),
        time=f"{(data.finished_at - data.started_at).total_seconds():.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (("verdict", data.verdict.value), ("profile", data.profile or ""),
                        ("env", data.env or "")):
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
        message = result.reason or ""
        if result.status is Status.FAIL:
            ET.SubElement(case, "failure", message=message.splitlines()[0] if message else "")
            case[-1].text = message
        elif result.status is Status.ERROR:
            ET.SubElement(case, "error", message=message.splitlines()[0] if message else "")
            case[-1].text = message
        elif result.status is not Status.PASS:
            ET.SubElement(case, "skipped", message=f"{result.status.value}: {message}")
    ET.indent(suite)
    body = ET.tostring(suite, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'
