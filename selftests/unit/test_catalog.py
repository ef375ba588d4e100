"""The catalog encodes every line of the plan, verbatim."""

from __future__ import annotations

import re

from golive.catalog import Kind, load_catalog, seed_leaves

SCHEDULE = re.compile(r"^(実施時間|実施日): ")


def test_every_seed_leaf_is_quoted_by_a_criterion_or_a_profile_schedule():
    catalog = load_catalog()
    quoted = {s for c in catalog for s in c.seed}
    scheduled = {s.seed for p in catalog.profiles for s in p.schedules}
    missing = [f"line {leaf.line}: {leaf.text}" for leaf in seed_leaves()
               if leaf.text not in quoted | scheduled]
    assert missing == []


def test_schedule_lines_live_in_profiles_not_criteria():
    catalog = load_catalog()
    schedule_leaves = {leaf.text for leaf in seed_leaves() if SCHEDULE.match(leaf.text)}
    assert len(schedule_leaves) == 9
    assert {s.seed for p in catalog.profiles for s in p.schedules} == schedule_leaves
    assert not schedule_leaves & {s for c in catalog for s in c.seed}


def test_seed_quotes_are_verbatim_leaves():
    leaves = {leaf.text for leaf in seed_leaves()}
    assert [(c.id, s) for c in load_catalog() for s in c.seed if s not in leaves] == []


def test_seed_parser_finds_leaves_not_headings():
    text = "## x\n- [ ] parent\n  - child: 1\n  - other\n- lone\n1. numbered\n   - under\n"
    assert [leaf.text for leaf in seed_leaves(text)] == ["child: 1", "other", "lone", "under"]


def test_plan_numbers_become_thresholds():
    """Where a quoted line states a number with a unit, its criterion carries a threshold."""
    number = re.compile(r"\d+(\.\d+)?\s*(%|ms|分|件)")
    lacking = [c.id for c in load_catalog()
               if c.automated and any(number.search(s) for s in c.seed) and c.threshold is None]
    assert lacking == []


def test_every_profile_has_criteria_and_final_has_all():
    catalog = load_catalog()
    for profile in catalog.profiles:
        assert catalog.in_profile(profile.name), profile.name
    assert len(catalog.in_profile("final")) == len(catalog)


def test_profiles_have_no_strictness_switch():
    # every profile judges alike: GO needs every blocking criterion in scope verified
    assert all("strict" not in type(p).model_fields for p in load_catalog().profiles)


def test_attestations_and_automated_both_exist():
    kinds = {c.kind for c in load_catalog()}
    assert Kind.ATTESTATION in kinds and Kind.STATIC in kinds and Kind.LIVE in kinds
