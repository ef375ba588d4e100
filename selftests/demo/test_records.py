"""The demo's sample records: dated on writing, valid for a short time, marked as samples,
and accepted by golive's own loaders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from golive.catalog import load_catalog
from golive.config import Config, load_attestations, load_waivers
from golive.demo import records


def test_records_are_dated_marked_and_load(tmp_path: Path) -> None:
    today = dt.date(2026, 3, 1)
    attestations, waivers = records.write_records(tmp_path, today)
    config = Config(attestations=attestations.name, waivers=waivers.name, base_dir=tmp_path)
    attested = load_attestations(config)
    human = {c.id for c in load_catalog().criteria if not c.automated}
    assert {a.criterion for a in attested} == human
    assert all(a.by == records.DEMO_SIGNER and a.date == today for a in attested)
    assert all(a.expires == today + dt.timedelta(days=records.VALID_DAYS) for a in attested)
    assert all("sample record" in a.evidence for a in attested)
    waived = load_waivers(config)
    assert waived and all(w.approver == records.DEMO_SIGNER for w in waived)
    # a waiver is only for what the demo machine cannot verify: automated criteria
    automated = {c.id for c in load_catalog().criteria if c.automated}
    assert {w.criterion for w in waived} <= automated
