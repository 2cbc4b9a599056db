"""BCBSMA Medical Policy 278, Intraoperative Radiotherapy (BCBSA reference 8.01.08).

Source: shared/policies/bcbsma-278-iort.txt. The policy statements have not changed since
the first entry of the policy history (1/2007), so there is one version, in force from
2007-01-01; earlier dates of service are ``not_applicable``.
"""

from __future__ import annotations

import datetime as dt

from coverage_sdk.policy.authoring import (
    Otherwise, Policy, PriorAuthRule, Rule, ServiceCodes, Version, all_of, any_of, citer, coded, is_, true,
)  # fmt: skip
from coverage_sdk.policy.model import LineOfBusiness as LOB
from coverage_sdk.policy.model import MarginStatus, Outcome, Setting, TumorSite

cite = citer("BCBSMA Medical Policy 278, Intraoperative Radiotherapy")

STATEMENT = "Rectal cancer with positive or close margins with T4 lesions or recurrent disease."
POLICY_SECTION = "Policy (Commercial Members and Medicare HMO Blue / Medicare PPO Blue Members)"
OUTPATIENT = "Prior Authorization Information, Outpatient"

rectal_cancer = is_("rectal-cancer", "The tumor is a rectal cancer.", cite(POLICY_SECTION, STATEMENT), "tumor.site", TumorSite.RECTUM)
close_or_positive_margins = is_(
    "close-or-positive-margins", "Margins are positive or close.", cite(POLICY_SECTION, STATEMENT),
    "tumor.margin_status", MarginStatus.CLOSE, MarginStatus.POSITIVE,
)  # fmt: skip
t4_lesion = is_("t4-lesion", "The lesion is T4.", cite(POLICY_SECTION, STATEMENT), "tumor.t_category", "T4")
recurrent_disease = true("recurrent-disease", "The disease is recurrent.", cite(POLICY_SECTION, STATEMENT), "tumor.recurrent")
t4_or_recurrent = any_of(
    "t4-or-recurrent", "A T4 lesion or recurrent disease.", cite(POLICY_SECTION, STATEMENT), t4_lesion, recurrent_disease
)
rectal_diagnosis_code = coded(
    "rectal-diagnosis-code",
    "A covered ICD-10-CM diagnosis is submitted: C20 (malignant neoplasm of rectum) or D01.2 (carcinoma in situ of rectum).",
    cite("ICD-10 Diagnosis Codes", "The following ICD Diagnosis Codes are considered medically necessary when submitted with the CPT codes above if medical necessity criteria are met:"),
    ("C20", "D01.2"),
)  # fmt: skip
medically_necessary = all_of(
    "medically-necessary",
    "Rectal cancer with positive or close margins, with a T4 lesion or recurrent disease, submitted with a covered diagnosis code.",
    cite(POLICY_SECTION, "Use of intraoperative radiotherapy may be considered MEDICALLY NECESSARY in the following situation:"),
    rectal_cancer, close_or_positive_margins, t4_or_recurrent, rectal_diagnosis_code,
)  # fmt: skip

REQUIREMENT = (
    "Policy 278 covers intraoperative radiotherapy only for rectal cancer with positive or close margins "
    "and a T4 lesion or recurrent disease (diagnosis C20 or D01.2)"
)

VERSION_2007 = Version(
    effective_from=dt.date(2007, 1, 1),
    summary="Medically necessary for rectal cancer with positive or close margins and T4 or recurrent disease; investigational otherwise.",
    rules=(
        Rule(
            medically_necessary,
            Outcome.MEDICALLY_NECESSARY,
            "This request meets Policy 278: rectal cancer with positive or close margins and a T4 lesion or "
            "recurrent disease, submitted with a covered rectal diagnosis code.",
            requirement=REQUIREMENT,
        ),
    ),
    otherwise=Otherwise(
        Outcome.INVESTIGATIONAL,
        "Policy 278 considers intraoperative radiotherapy investigational for every oncologic application other "
        "than its one medically necessary situation.",
        id="investigational-all-other",
        text="Intraoperative radiotherapy for any other oncologic application is investigational.",
        citation=cite(POLICY_SECTION, "Use of intraoperative radiotherapy is considered INVESTIGATIONAL for all other oncologic applications."),
    ),
)

inpatient = is_("setting-inpatient", "The procedure is performed inpatient.", cite("Prior Authorization Information, Inpatient", "For services described in this policy, precertification/preauthorization IS REQUIRED for all products if the procedure is performed inpatient."), "setting", Setting.INPATIENT)
outpatient = is_("setting-outpatient", "The procedure is performed outpatient.", cite(OUTPATIENT, "For services described in this policy, see below for products where prior authorization might be required if the procedure is performed outpatient."), "setting", Setting.OUTPATIENT)


EVERY_PRODUCT_READING = (
    "Each product row of the outpatient table says \"Prior authorization is not required\", and a member of a product "
    "the policy does not list is not_applicable; so an outpatient request whose product is not given needs no prior "
    "authorization either."
)


def _outpatient_product(id: str, product: str, *lines: LOB):
    row = cite(OUTPATIENT, f"{product} Prior authorization is not required.")
    member = is_(f"{id}-member", f"The member's product is {product}.", row, "line_of_business", *lines)
    return PriorAuthRule(all_of(id, f"Outpatient, {product}: prior authorization is not required.", row, outpatient, member), required=False)


POLICY = Policy(
    id="bcbsma-278-iort",
    title="Intraoperative Radiotherapy (BCBSMA Medical Policy 278)",
    payer="Blue Cross Blue Shield of Massachusetts",
    payer_id="bcbsma",
    document="bcbsma-278-iort.txt",
    services=ServiceCodes(cpt=("77424", "77425"), icd10_pcs=("DDY7CZZ",)),
    versions=(VERSION_2007,),
    lines_of_business=frozenset({
        LOB.COMMERCIAL_HMO, LOB.COMMERCIAL_POS, LOB.COMMERCIAL_PPO, LOB.COMMERCIAL_INDEMNITY,
        LOB.MEDICARE_ADVANTAGE_HMO, LOB.MEDICARE_ADVANTAGE_PPO,
    }),  # fmt: skip
    prior_authorization=(
        PriorAuthRule(all_of("pa-inpatient", "Inpatient: prior authorization is required for all products.", inpatient.citation, inpatient), required=True),
        _outpatient_product("pa-outpatient-commercial-managed-care", "Commercial Managed Care (HMO and POS)", LOB.COMMERCIAL_HMO, LOB.COMMERCIAL_POS),
        _outpatient_product("pa-outpatient-commercial-ppo-indemnity", "Commercial PPO and Indemnity", LOB.COMMERCIAL_PPO, LOB.COMMERCIAL_INDEMNITY),
        _outpatient_product("pa-outpatient-medicare-hmo-blue", "Medicare HMO Blue SM", LOB.MEDICARE_ADVANTAGE_HMO),
        _outpatient_product("pa-outpatient-medicare-ppo-blue", "Medicare PPO Blue SM", LOB.MEDICARE_ADVANTAGE_PPO),
        PriorAuthRule(
            all_of(
                "pa-outpatient-every-product", "Outpatient, whatever the product: no product the table lists requires prior authorization.",
                outpatient.citation, outpatient, interpretation=EVERY_PRODUCT_READING,
            ),
            required=False,
        ),
    ),
)
