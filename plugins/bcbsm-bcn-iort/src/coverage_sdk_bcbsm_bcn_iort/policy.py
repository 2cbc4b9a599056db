"""BCBSM/BCN Joint Medical Policy, Intraoperative Radiotherapy (current effective date 7/1/24).

Source: shared/policies/bcbsm-bcn-iort.txt. One version per effective date of the Joint
BCBSM/BCN Medical Policy History, so ``policy_version`` names the document in force on the
date of service. Three sets of criteria: experimental/investigational for all (1/1/08),
rectal cancer and pelvic malignancies (3/1/09, 12/1/12), the NCCN-based inclusionary
guidelines (1/1/14 to 7/1/24, whose entries say "No change in policy status" or are routine
maintenance). Dates of service before 1/1/08 are ``not_applicable``. The Blue Care Network
coverage table's rules come first in every version.
"""

from __future__ import annotations

import datetime as dt

from coverage_sdk.policy.authoring import Policy, ServiceCodes, Version

from . import coverage_table, guidelines, history
from .source import DOCUMENT

ALL_INVESTIGATIONAL = "Experimental/investigational for all indications."
RECTAL_AND_PELVIC = "Established for rectal cancer and pelvic malignancies; experimental/investigational for all other indications."
NCCN_LIST = "Established for the NCCN-based inclusionary guidelines; experimental/investigational for all other indications."

VERSIONS = (
    (dt.date(2008, 1, 1), "Joint policy established. " + ALL_INVESTIGATIONAL, (), history.OTHERWISE_2008, ()),
    (dt.date(2009, 3, 1), RECTAL_AND_PELVIC, history.RULES_2009, history.OTHERWISE_2009, ()),
    (dt.date(2012, 12, 1), "Routine maintenance, code update, reformat; no change of status. " + RECTAL_AND_PELVIC, history.RULES_2009, history.OTHERWISE_2009, ()),
    (dt.date(2014, 1, 1), "NCCN guideline covered indications added to the inclusionary section. " + NCCN_LIST, guidelines.RULES, guidelines.OTHERWISE, guidelines.EXCLUSIONS),
    *(
        (dt.date(year, 7, 1), "Routine maintenance, no change in policy status. " + NCCN_LIST, guidelines.RULES, guidelines.OTHERWISE, guidelines.EXCLUSIONS)
        for year in range(2015, 2025)
    ),
)  # fmt: skip

POLICY = Policy(
    id="bcbsm-bcn-iort",
    title="Intraoperative Radiotherapy (BCBSM/BCN Joint Medical Policy)",
    payer="Blue Cross Blue Shield of Michigan / Blue Care Network",
    payer_id="bcbsm-bcn",
    document=DOCUMENT,
    services=ServiceCodes(cpt=("77424", "77425", "77469")),
    versions=tuple(
        Version(effective_from=start, summary=summary, rules=(*coverage_table.RULES, *rules), otherwise=otherwise, exclusions=exclusions)
        for start, summary, rules, otherwise, exclusions in VERSIONS
    ),
    lines_of_business=coverage_table.LINES_OF_BUSINESS,
    origin=dt.date(2008, 1, 1),
)
