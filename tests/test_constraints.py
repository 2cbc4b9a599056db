"""The constraint grammar of shared/spec/interchange.md: parse, evaluate, explain."""

from __future__ import annotations

import numpy as np
import pytest

from coverage_sdk.dose.constraints import parse_constraint
from coverage_sdk.dose.dvh import DVH


@pytest.mark.parametrize(
    "text, canonical",
    [("Dmax < 66 Gy", "Dmax < 66 Gy"), ("Max<66Gy", "Dmax < 66 Gy"), ("Mean <= 26 Gy", "Dmean <= 26 Gy"),
     ("V20Gy < 30 %", "V20Gy < 30 %"), ("V20Gy_cc < 100 cc", "V20Gy_cc < 100 cc"), ("D2cc < 50 Gy", "D2cc < 50 Gy"),
     ("D0.03cc <= 55 Gy", "D0.03cc <= 55 Gy"), ("D95 >= 47.5 Gy", "D95 >= 47.5 Gy"), ("V15Gy < 12 cc", "V15Gy_cc < 12 cc")],
)
def test_parse_round_trips(text, canonical):
    assert str(parse_constraint(text)) == canonical
    assert parse_constraint(canonical) == parse_constraint(text)


@pytest.mark.parametrize("text", ["Dmax < 66", "Dmax = 66 Gy", "V20Gy < 30 Gy", "D95 >= 47 %", "Dfoo < 1 Gy", "D120 < 5 Gy", ""])
def test_malformed_constraints_name_the_text(text):
    with pytest.raises(ValueError, match="constraint"):
        parse_constraint(text)


def _dvh(volume_cc=10.0, top=60.0):
    edges = np.arange(0, top + 0.01, 0.01)
    cumulative = volume_cc * np.clip((top - edges) / top, 0, 1)
    return DVH("Brainstem", edges, cumulative, volume_cc, 0.0, 0.0, top, top / 2)


def test_evaluate_and_explain():
    c = parse_constraint("Dmax < 54 Gy")
    assert c.evaluate(53.9) and not c.evaluate(54.0) and not c.evaluate(float("nan"))
    result = c.evaluate_dvh(_dvh(top=55.2))
    assert result.met is False and result.value == pytest.approx(55.2)
    assert result.explain() == (
        "Brainstem Dmax is 55.2 Gy; the constraint Dmax < 54 Gy is not met (exceeds the limit by 1.2 Gy)."
    )
    v = parse_constraint("V30Gy < 60 %").evaluate_dvh(_dvh(), structure="Cord")
    assert v.met is True and v.value == pytest.approx(50.0) and v.explain().startswith("Cord V30Gy is 50.0%")


def test_undefined_value_is_not_evaluable():
    empty = DVH("Lens", np.zeros(1), np.zeros(1), 0.0, 1.0, float("nan"), float("nan"), float("nan"))
    result = parse_constraint("D2cc < 10 Gy").evaluate_dvh(empty)
    assert result.met is None and "cannot be evaluated" in result.explain()
