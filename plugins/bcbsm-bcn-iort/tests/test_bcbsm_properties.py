"""Properties over generated cases: unknown is never decided, and no listed cancer with distant
metastases, nor any Medicare member, gets medically_necessary."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coverage_sdk.policy.model import Outcome

SITES = ["rectum", "colon", "cervix", "endometrium", "uterine_sarcoma", "pancreas", "soft_tissue_sarcoma", "ovary", "head_and_neck"]
UNDECIDED = {Outcome.INSUFFICIENT_INFORMATION, Outcome.CLINICAL_REVIEW}
FACTS = {
    "lob": st.sampled_from(["commercial_hmo", "commercial_ppo", "medicare_advantage_hmo", "medicare_supplement"]),
    "role": st.sampled_from(["boost", "monotherapy"]),
    "site": st.sampled_from(SITES),
    "location": st.sampled_from(["retroperitoneal", "abdominal", "pelvis", "extremity_lower"]),
    "histology": st.sampled_from(["adenocarcinoma", "gist", "liposarcoma"]),
    "t_stage": st.sampled_from(["T2", "T3", "T4a"]),
    "margin_status": st.sampled_from(["negative", "close", "positive"]),
    "resectability": st.sampled_from(["resectable", "borderline", "unresectable"]),
    **{flag: st.booleans() for flag in (
        "recurrent", "distant_metastases", "central_disease", "prior_radiation_to_site",
        "frozen_section_confirms_non_gist_non_desmoid",
    )},
    "prior_radiation_type": st.sampled_from(["ebrt", "brachytherapy", "both"]),
}  # fmt: skip
DAYS = st.sampled_from(["2008-07-01", "2010-07-01", "2013-02-01", "2016-06-06", "2024-09-02"])
cases = st.tuples(st.fixed_dictionaries(FACTS), st.sets(st.sampled_from(sorted(FACTS)))).map(
    lambda drawn: {k: v for k, v in drawn[0].items() if k not in drawn[1]}
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _decide(decide, day: str, facts: dict):
    return decide(**{"lob": None, "role": None, **facts, "day": day})


@SETTINGS
@given(day=DAYS, facts=cases)
def test_knowing_less_never_decides_otherwise(decide, day, facts):
    full = _decide(decide, day, facts)
    for removed in facts:
        less = _decide(decide, day, {k: v for k, v in facts.items() if k != removed})
        assert less.outcome in UNDECIDED or less.outcome is full.outcome, (removed, less.reasons)


@SETTINGS
@given(day=DAYS, facts=cases)
def test_medically_necessary_needs_a_commercial_member_and_for_the_nccn_list_no_metastases(decide, day, facts):
    if _decide(decide, day, facts).outcome is Outcome.MEDICALLY_NECESSARY:
        assert facts["lob"].startswith("commercial_")
        if day >= "2014":
            assert facts["distant_metastases"] is False
