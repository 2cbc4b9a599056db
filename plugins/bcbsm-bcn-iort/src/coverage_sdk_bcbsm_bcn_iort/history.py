"""The statuses before the NCCN-based inclusion list, from the Joint BCBSM/BCN Medical Policy History.

1/1/08 "Joint policy established", experimental/investigational (E/I): the 3/1/09 entry says
the policy was "changing from E/I". 3/1/09: established for rectal cancer and pelvic
malignancies, E/I for all other indications; the 12/1/12 entry is a reformat and code update
that names no change of status, so its criteria are those of 3/1/09.
"""

from __future__ import annotations

from coverage_sdk.policy.authoring import Otherwise, Rule, all_of, any_of, is_
from coverage_sdk.policy.model import Outcome, SarcomaLocation
from coverage_sdk.policy.model import TumorSite as Site

from .source import HISTORY, cite

ESTABLISHED_2009 = (
    "Policy is now considered new as the policy is changing from E/I to established for rectal cancer and pelvic "
    "malignancies and E/I for all other indications."
)
PELVIC_ORGANS = (
    Site.CERVIX, Site.ENDOMETRIUM, Site.UTERINE_SARCOMA, Site.OVARY, Site.VAGINA, Site.VULVA, Site.BLADDER, Site.PROSTATE, Site.ANUS,
)  # fmt: skip
PELVIC_READING = (
    '"Pelvic malignancies" is read as cancers of the pelvic organs (cervix, endometrium, uterine sarcoma, ovary, vagina, '
    "vulva, bladder, prostate, anus; rectum is named on its own) and sarcomas located in the pelvis. The colon is an "
    "abdominal organ, so colon cancer is not a pelvic malignancy. No stage, margin or metastasis condition is added: "
    "the history entry states none."
)

rectal_2009 = is_("rectal-cancer-2009", "The tumor is a rectal cancer.", cite(HISTORY, ESTABLISHED_2009), "tumor.site", Site.RECTUM)
pelvic_2009 = any_of(
    "pelvic-malignancy-2009", "The tumor is a pelvic malignancy.", cite(HISTORY, ESTABLISHED_2009),
    is_("pelvic-organ-cancer-2009", "The cancer arises in a pelvic organ.", cite(HISTORY, ESTABLISHED_2009), "tumor.site", *PELVIC_ORGANS),
    all_of(
        "pelvic-sarcoma-2009", "The tumor is a sarcoma located in the pelvis.", cite(HISTORY, ESTABLISHED_2009),
        is_("sarcoma-2009", "The tumor is a sarcoma.", cite(HISTORY, ESTABLISHED_2009), "tumor.site", Site.SOFT_TISSUE_SARCOMA, Site.BONE_SARCOMA),
        is_("sarcoma-in-pelvis-2009", "The sarcoma is located in the pelvis.", cite(HISTORY, ESTABLISHED_2009), "tumor.location", SarcomaLocation.PELVIS),
    ),
    interpretation=PELVIC_READING,
)  # fmt: skip

REQUIREMENT_2009 = (
    "From 3/1/09 to 12/31/13 the joint policy established IORT only for rectal cancer and pelvic malignancies (cancers "
    "of the cervix, endometrium, uterus, ovary, vagina, vulva, bladder, prostate or anus, and sarcomas of the pelvis)"
)
RULES_2009 = (
    Rule(
        any_of("established-2009", "Rectal cancer or a pelvic malignancy.", cite(HISTORY, ESTABLISHED_2009), rectal_2009, pelvic_2009),
        Outcome.MEDICALLY_NECESSARY,
        "IORT was established for rectal cancer and pelvic malignancies on this date of service, and this request is for one of them.",
        requirement=REQUIREMENT_2009,
    ),
)  # fmt: skip
OTHERWISE_2009 = Otherwise(
    Outcome.INVESTIGATIONAL,
    "On this date of service IORT was experimental/investigational for every indication other than rectal cancer and pelvic malignancies.",
    id="investigational-2009",
    text="IORT for any indication other than rectal cancer and pelvic malignancies is experimental/investigational.",
    citation=cite(HISTORY, ESTABLISHED_2009),
)

OTHERWISE_2008 = Otherwise(
    Outcome.INVESTIGATIONAL,
    "On this date of service (1/1/08 to 2/28/09) the joint policy considered IORT experimental/investigational for every "
    "indication; it became established for rectal cancer and pelvic malignancies on 3/1/09.",
    id="investigational-2008",
    text="IORT is experimental/investigational for all indications (the status the 3/1/09 entry changed \"from E/I\").",
    citation=cite(HISTORY, ESTABLISHED_2009),
)
