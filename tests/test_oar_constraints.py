"""The constraint library: organ aliases, every row's grammar and citation, the looser-than-published flag."""

from __future__ import annotations

import types

import pytest

from coverage_sdk import default_host, hookimpl
from coverage_sdk.dose.constraints import parse_constraint
from coverage_sdk.dose.constraint_library import (
    PublishedConstraint, canonical_organ, looser_than_published, organ_key, published_constraints, source_name,
)  # fmt: skip


@pytest.mark.parametrize("name", ["Brainstem", "Brain Stem", "BrainStem", "brain_stem", "BRAIN-STEM", " Brain  stem "])
def test_brainstem_spellings_find_the_same_rows(name):
    rows = published_constraints(name)
    assert rows and {r.organ for r in rows} == {"Brainstem"}
    assert [r.constraint for r in rows] == [r.constraint for r in published_constraints("Brainstem")]


def test_aliases_and_sides():
    assert canonical_organ("Cord") == "Spinal cord"
    assert canonical_organ("SpinalCord") == "Spinal cord"
    assert canonical_organ("Chiasm") == "Optic chiasm"
    assert canonical_organ("Parotid_L") == canonical_organ("Rt Parotid") == "Parotid"
    assert canonical_organ("OpticNerve_R") == "Optic nerve"
    assert canonical_organ("Lt Lung") is None  # the lung constraints are for both lungs together
    assert canonical_organ("Tumor Bed") is None
    assert published_constraints("Tumor Bed") == []
    assert organ_key("Brain_Stem") == organ_key("brain stem") == "brainstem"


def test_every_row_follows_the_grammar_and_cites_its_source():
    rows = default_host().oar_constraints()
    assert len(rows) >= 30
    for row in rows:
        constraint = parse_constraint(row.constraint)
        assert constraint.op in ("<", "<=", ">", ">=") and constraint.limit > 0, row
        assert row.citation and row.setting, row
        assert source_name(row.source).family == row.source, row
        assert canonical_organ(row.organ) == row.organ, row
        if row.source == "QUANTEC":
            assert "Marks LB" in row.citation and "2010" in row.citation
        else:
            assert row.protocol and f"RTOG {row.protocol}" in row.citation


def test_library_values_that_the_policy_example_relies_on():
    assert "Dmax < 54 Gy" in [r.constraint for r in published_constraints("Brainstem") if r.source == "QUANTEC"]
    assert "Dmax <= 66 Gy" in [r.constraint for r in published_constraints("Brachial plexus") if r.source == "RTOG"]
    assert "D0.03cc < 16 Gy" in [r.constraint for r in published_constraints("Cauda equina") if r.protocol == "0631"]


@pytest.mark.parametrize(
    "organ, constraint, source, flagged",
    [
        ("Brainstem", "Dmax < 60 Gy", "QUANTEC", "Dmax < 54 Gy"),
        ("Brain Stem", "Max < 55 Gy", "Quantec", "Dmax < 54 Gy"),
        ("Brainstem", "Max < 54 Gy", "Quantec", None),
        ("Brainstem", "Dmax < 50 Gy", "QUANTEC", None),
        ("Brainstem", "Dmax < 60 Gy", "RTOG", None),  # no RTOG row for the brainstem
        ("Brainstem", "Dmax < 60 Gy", None, None),
        ("Brainstem", "Dmean < 60 Gy", "QUANTEC", None),  # no published mean for the brainstem
        ("Parotid_L", "Dmean < 24 Gy", "QUANTEC", None),  # within the looser of the two published means
        ("Parotid_L", "Dmean < 27 Gy", "QUANTEC", "Dmean < 25 Gy"),
        ("Lung", "V20Gy < 35 %", "QUANTEC", "V20Gy <= 30 %"),
        ("Lung", "V20Gy < 35 %", "RTOG 0617", None),
        ("Lung", "V20Gy < 38 %", "RTOG", "V20Gy <= 37 %"),
        ("Spinal cord", "D0.03cc < 15 Gy", "RTOG #0631", "D0.03cc < 14 Gy"),
        ("Spinal cord", "Dmax < 52 Gy", "RTOG 0617", "Dmax <= 50.5 Gy"),
        ("Spinal cord", "Dmax < 50 Gy", "RTOG 0617", None),
        ("Cauda equina", "Max < 16 Gy", "RTOG #0631", None),
        ("Cauda equina", "V14Gy < 6 cc", "RTOG 0631", "V14Gy < 5 cc"),
        ("Heart", "V25Gy > 5 %", "QUANTEC", None),  # a lower limit is not comparable with upper limits
    ],
)
def test_looser_than_published(organ, constraint, source, flagged):
    found = looser_than_published(organ, constraint, source)
    assert (found.constraint if found else None) == flagged


def test_looser_than_published_names_a_malformed_constraint():
    with pytest.raises(ValueError, match="Dmax is low"):
        looser_than_published("Brainstem", "Dmax is low", "QUANTEC")


@pytest.mark.parametrize(
    "text, family, kind, protocol",
    [
        ("Quantec", "QUANTEC", "compilation", None),
        ("QUANTEC (Marks 2010)", "QUANTEC", "compilation", None),
        ("RTOG #0631", "RTOG", "cooperative group", "0631"),
        ("RTOG 0617", "RTOG", "cooperative group", "0617"),
        ("SWOG S1826", "SWOG", "cooperative group", "S1826"),
        ("NRG-BN001", "NRG", "cooperative group", "BN001"),
        ("CORSAIR", "CORSAIR", "compilation", None),
        ("Institutional", "INSTITUTIONAL", "institutional", None),
        ("institution's planning guideline", "INSTITUTIONAL", "institutional", None),
    ],
)
def test_source_names(text, family, kind, protocol):
    named = source_name(text)
    assert (named.family, named.kind, named.protocol) == (family, kind, protocol)


@pytest.mark.parametrize("text", [None, "", "vendor template", "TG-101", "Emami 1991"])
def test_sources_not_recognised(text):
    assert source_name(text) is None


def test_a_plugin_contributes_rows_to_the_library(host):
    row = PublishedConstraint("Brainstem", "Dmax <= 60 Gy", "CORSAIR", None, "test setting", None, "a test citation")
    plugin = types.ModuleType("corsair_rows")
    plugin.coverage_sdk_oar_constraints = hookimpl(lambda: [row])
    before = published_constraints("Brain Stem", host=host)
    host.register(plugin, "corsair_rows")
    after = published_constraints("Brain Stem", host=host)
    assert after == [*before, row] or after == [row, *before]
    assert looser_than_published("Brainstem", "Dmax < 70 Gy", "CORSAIR", host=host) == row
