from __future__ import annotations

import pytest

from coverage_sdk.policy import icd10
from coverage_sdk.policy.model import SarcomaLocation, TumorSite


@pytest.mark.parametrize(
    ("codes", "site"),
    [
        (["C20"], TumorSite.RECTUM), (["D01.2"], TumorSite.RECTUM), (["c18.7"], TumorSite.COLON),
        (["C25.0"], TumorSite.PANCREAS), (["C53.9"], TumorSite.CERVIX), (["C54.1"], TumorSite.ENDOMETRIUM),
        (["C50.912"], TumorSite.BREAST), (["C49.22"], TumorSite.SOFT_TISSUE_SARCOMA),
        (["C48.0"], TumorSite.SOFT_TISSUE_SARCOMA), (["C16.3"], TumorSite.STOMACH),
        (["C20", "Z92.3"], TumorSite.RECTUM),
    ],
)  # fmt: skip
def test_unambiguous_codes_infer_the_site(codes, site):
    assert icd10.infer_site(codes)[0] is site


@pytest.mark.parametrize("codes", [[], ["C19"], ["C54.2"], ["C20", "C18.7"], ["Z92.3"], ["C80.1"]])
def test_ambiguous_or_unmapped_codes_infer_nothing(codes):
    assert icd10.infer_site(codes) is None


def test_location_and_matching():
    assert icd10.infer_location(["C48.0"])[0] is SarcomaLocation.RETROPERITONEAL
    assert icd10.matches("C18.7", ["C18"]) and icd10.matches("d01.2", ["D01.2"])
    assert not icd10.matches("C19", ["C18", "C20"])
