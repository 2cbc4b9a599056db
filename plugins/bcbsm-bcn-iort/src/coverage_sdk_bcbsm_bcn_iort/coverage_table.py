"""The Blue Care Network benefit coverage table, as rules placed first in every version.

Commercial HMO: "Covered; criteria apply" (the criteria of the version decide; so they do
for the BCBSM commercial products, this being a joint BCBSM/BCN policy). BCNA (Medicare
Advantage): "See government section", which finds no NCD and no local Medicare policy; BCN65
(Medicare Complementary) pays coinsurance only where primary Medicare covers. For both the
policy's criteria do not decide: the request goes to clinical review under Medicare coverage.
"""

from __future__ import annotations

from coverage_sdk.policy.authoring import Rule, is_
from coverage_sdk.policy.model import LineOfBusiness as LOB
from coverage_sdk.policy.model import Outcome

from .source import BCN_COVERAGE, cite

GOVERNMENT_FINDINGS = (
    "the policy's government section finds no national coverage determination (NCD) and no local Medicare policy (LCD) "
    "on IORT, leaving coverage to the discretion of the local Medicare contractor, and notes that Medicare reimburses "
    "77424, 77425 and 77469"
)

medicare_advantage = is_(
    "bcna-medicare-advantage",
    "The member has a Medicare Advantage plan (BCNA): the government section applies.",
    cite(BCN_COVERAGE, "BCNA (Medicare Advantage) See government section."),
    "line_of_business", LOB.MEDICARE_ADVANTAGE_HMO, LOB.MEDICARE_ADVANTAGE_PPO,
    interpretation=(
        '"See government section" sends Medicare Advantage members to Medicare coverage rules. Since that section finds '
        "no NCD and no LCD, this policy's criteria do not decide: the outcome is clinical_review under Medicare coverage. "
        "Applied to medicare_advantage_hmo (BCNA) and to medicare_advantage_ppo (the document names no other Medicare "
        "Advantage product)."
    ),
)  # fmt: skip

medicare_complementary = is_(
    "bcn65-medicare-complementary",
    "The member has BCN65 (Medicare Complementary): coinsurance is covered only if primary Medicare covers the service.",
    cite(BCN_COVERAGE, "BCN65 (Medicare Complementary) Coinsurance covered if primary Medicare covers the service."),
    "line_of_business", LOB.MEDICARE_SUPPLEMENT,
    interpretation=(
        "BCN65 follows primary Medicare's decision on the claim, and Medicare has no NCD or LCD on IORT: the outcome is "
        "clinical_review, to be decided with Medicare's determination, not with this policy's criteria."
    ),
)  # fmt: skip

RULES = (
    Rule(
        medicare_advantage, Outcome.CLINICAL_REVIEW,
        f"For BCNA (Medicare Advantage) members this policy refers to its government section: {GOVERNMENT_FINDINGS}. "
        "The request must be reviewed under Medicare coverage rules, not this policy's criteria.",
    ),
    Rule(
        medicare_complementary, Outcome.CLINICAL_REVIEW,
        "For BCN65 (Medicare Complementary) members BCN covers the coinsurance only if primary Medicare covers the "
        f"service; {GOVERNMENT_FINDINGS}. Decide the request with Medicare's determination on the primary claim.",
    ),
)  # fmt: skip

LINES_OF_BUSINESS = frozenset({
    LOB.COMMERCIAL_HMO, LOB.COMMERCIAL_POS, LOB.COMMERCIAL_PPO, LOB.COMMERCIAL_INDEMNITY,
    LOB.MEDICARE_ADVANTAGE_HMO, LOB.MEDICARE_ADVANTAGE_PPO, LOB.MEDICARE_SUPPLEMENT,
})  # fmt: skip
