"""Evolent Clinical Guideline CG_226, Intraoperative Radiation Therapy (IORT).

Source: shared/policies/evolent-cg226-iort.txt (Original Date November 2013, Last Revised
May 2023, Implementation January 2024). Two versions, from the policy history:

- 2013-11-01 to 2023-12-31: the text reviewed in January 2022, in which IORT for pancreatic
  cancer still required physician review (the May 2023 entry removed it). "January 2022 No
  changes" says the text before that review was the same, and the history records no other
  change since the guideline's origin, so this text runs from the origin;
- from 2024-01-01: the current text.

Dates of service before the origin (November 2013) are ``not_applicable``. Every criterion names its sentence; readings of ambiguous sentences are in
``interpretation=`` and in the plugin README.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from coverage_sdk.policy.authoring import (
    Citation, Criterion, Otherwise, Policy, Rule, ServiceCodes, UnitLimit, Version, all_of, any_of, citer, criterion,
)  # fmt: skip
from coverage_sdk.policy.facts import plain
from coverage_sdk.policy.model import IortRole, IortTechnique, MarginStatus, NodeStatus, Outcome, Resectability, TumorSite

cite = citer("Evolent Clinical Guideline CG_226, Intraoperative Radiation Therapy (IORT)")

BREAST, CERVICAL, COLON = "Indications, Breast Cancer", "Indications, Cervical Cancer", "Indications, Colon Cancer"
PANCREATIC, RECTAL = "Indications, Pancreatic Cancer", "Indications, Rectal Cancer"
SARCOMA, FREQUENCY = "Indications, Soft Tissue Sarcoma", "Frequency of Procedure"
CONTRAINDICATIONS, HISTORY = "Contraindications for IORT", "Policy History, May 2023"

BREAST_STATEMENT = cite(BREAST, "Single Fraction Electron-beam IORT is considered medically necessary in accordance with ASTRO guidelines¹ if the following criteria are met:")
AGE_AND_INVASIVE = cite(BREAST, "Individual is 50 years of age or older with invasive cancer (DCIS is excluded)")
ELECTRONIC_BRACHYTHERAPY = cite(BREAST, "The use of electronic brachytherapy for IORT (such as Intrabeam, Xofig and Papillon systems) is considered experimental, investigational, and/or unproven.")
CERVICAL_STATEMENT = cite(CERVICAL, "IORT is indicated for local or regional recurrence of cervical cancer for centralized disease when previous radiation therapy has occurred.")
COLON_T4 = cite(COLON, "IORT can be used as a boost for recurrent cancer of T4 tumors with penetration/perforation and intermediate/positive margins.")
COLON_RECURRENT = cite(COLON, "IORT can also be used as a boost for recurrent cancer.")
PANCREATIC_STATEMENT = cite(PANCREATIC, "IORT for pancreatic cancer may be reasonable for patients undergoing resection that may result in a closer involved margin⁹.")
CASE_BY_CASE = cite(PANCREATIC, "Cases will be reviewed on a case-by-case basis.")
RECTAL_STATEMENT = cite(RECTAL, "IORT is indicated for rectal cancer with positive or close margins for T4 lesions or recurrent disease.")
BOOST_STATEMENT = cite(SARCOMA, "IORT (with photons or electrons is considered medically necessary as boost treatment at time of surgery for cervical cancer, colorectal cancer, pancreatic cancer, and soft tissue sarcomas if either of the following criteria is met:")
SINGLE_FRACTION = cite(FREQUENCY, "A single fraction is allowed during surgery for the above situations.")
OTHER_SITES = cite(CONTRAINDICATIONS, "IORT is not indicated for any other cancer sites or scenarios other than those listed above, or when the above indications are not met.")
ALL_OTHER = cite(CONTRAINDICATIONS, "All other scenarios are considered investigational and not medically necessary.")
PHYSICIAN_REVIEW = cite(HISTORY, "Removed “requires physician review” from IORT for pancreatic cancer")

LISTED_SITES = frozenset({
    TumorSite.BREAST, TumorSite.CERVIX, TumorSite.COLON, TumorSite.RECTUM, TumorSite.PANCREAS, TumorSite.SOFT_TISSUE_SARCOMA,
})  # fmt: skip
BOOST_SITES = frozenset({TumorSite.CERVIX, TumorSite.COLON, TumorSite.RECTUM, TumorSite.PANCREAS, TumorSite.SOFT_TISSUE_SARCOMA})
ELECTRONIC_BRACHYTHERAPY_DEVICES = ("intrabeam", "xoft", "axxent", "xofig", "papillon")
DCIS_HISTOLOGIES = frozenset({"dcis", "ductal carcinoma in situ", "ductal_carcinoma_in_situ"})
CLOSE_OR_POSITIVE = (MarginStatus.CLOSE, MarginStatus.POSITIVE)


def _words(value: Any) -> str:
    return str(plain(value)).replace("_", " ")


def _leaf(
    id: str, text: str, citation: Citation, path: str, accepts: Callable[[Any], bool], finding: Callable[[Any], str],
    *, interpretation: str | None = None,
) -> Criterion:  # fmt: skip
    """A criterion over one fact; when not met it says what the case shows, and its own id."""
    return criterion(id, text, citation, (path,), accepts, lambda value: f"{finding(value)} ({id})", interpretation=interpretation)


def _one_of(id: str, text: str, citation: Citation, path: str, accepted: Sequence[Any], finding: Callable[[Any], str], **kw: Any) -> Criterion:
    allowed = frozenset(accepted)
    return _leaf(id, text, citation, path, lambda value: value in allowed, finding, **kw)


def _site(id: str, text: str, citation: Citation, *sites: TumorSite) -> Criterion:
    return _one_of(id, text, citation, "tumor.site", sites, lambda site: f"the tumor site is {_words(site)}")


def _yes(id: str, text: str, citation: Citation, path: str, no: str, **kw: Any) -> Criterion:
    return _leaf(id, text, citation, path, lambda value: value is True, lambda value: no, **kw)


def _margins(id: str, text: str, citation: Citation, *accepted: MarginStatus, **kw: Any) -> Criterion:
    return _one_of(id, text, citation, "tumor.margin_status", accepted, lambda m: f"the margins are {_words(m)}", **kw)


def _t_stage(id: str, text: str, citation: Citation, *accepted: str, **kw: Any) -> Criterion:
    return _one_of(id, text, citation, "tumor.t_category", accepted, lambda t: f"the T stage is {t}", **kw)


single_fraction = _one_of(
    "single-fraction", "A single IORT fraction is given during surgery.", SINGLE_FRACTION,
    "radiation.iort.fractions", (1,), lambda n: f"{n} IORT fractions are requested",
)  # fmt: skip


# --- contraindications: sites not listed; electronic brachytherapy --------------------------------

other_site = _leaf(
    "other-site",
    "The cancer site is not one the guideline lists (breast, cervical, colon, pancreatic, rectal cancer, soft tissue sarcoma).",
    OTHER_SITES, "tumor.site", lambda site: site not in LISTED_SITES, lambda site: f"the tumor site is {_words(site)}",
    interpretation=(
        "Sites not listed are investigational under this section. The general paragraphs (a case-by-case determination for "
        "indications a guideline does not address) do not apply: this guideline addresses every other site, here."
    ),
)  # fmt: skip


def _is_electronic_brachytherapy(device: str | None, technique: IortTechnique | None) -> bool | None:
    named = device is not None and any(name in device.lower() for name in ELECTRONIC_BRACHYTHERAPY_DEVICES)
    if named or technique is IortTechnique.ELECTRONIC_BRACHYTHERAPY:
        return True
    if device is None or technique is None:
        return None
    return False


electronic_brachytherapy = criterion(
    "electronic-brachytherapy",
    "IORT is delivered by electronic brachytherapy (such as Intrabeam, Xoft or Papillon systems).",
    ELECTRONIC_BRACHYTHERAPY, ("radiation.iort.device", "radiation.iort.technique"), _is_electronic_brachytherapy,
    lambda device, technique: f"the device is {device or 'not given'} and the technique is {_words(technique) if technique else 'not given'} (electronic-brachytherapy)",
    required=(),
    interpretation=(
        "Applies at every site: the sentence names a modality, not a site. A device whose name contains Intrabeam, Xoft, "
        "Axxent, Papillon or Xofig (the document's spelling, read as Xoft: Xofig is a radium-223 drug, not an IORT system), "
        "in any letter case, is electronic brachytherapy whatever the technique field says; so is the technique "
        "electronic_brachytherapy. Ruling it out takes both facts: a device that is none of these (the list is of "
        "examples: \"such as\") and another technique."
    ),
)  # fmt: skip


# --- breast ---------------------------------------------------------------------------------------

breast_site = _site("breast-site", "The cancer is a breast cancer.", BREAST_STATEMENT, TumorSite.BREAST)
electron_beam = _one_of(
    "breast-electron-beam", "IORT is electron-beam IORT.", BREAST_STATEMENT, "radiation.iort.technique",
    (IortTechnique.ELECTRON,), lambda t: f"the IORT technique is {_words(t)}, not electron beam",
)  # fmt: skip
age_50 = _leaf(
    "breast-age-50", "The patient is 50 years of age or older.", AGE_AND_INVASIVE, "patient.age_years",
    lambda age: age >= 50, lambda age: f"the patient is {age} years old",
)  # fmt: skip
invasive = _yes("breast-invasive", "The cancer is invasive.", AGE_AND_INVASIVE, "tumor.invasive", "the cancer is not invasive")


def _is_not_dcis(histology: str | None, invasive: bool | None) -> bool | None:
    if histology is not None:
        return histology not in DCIS_HISTOLOGIES
    return True if invasive is True else None


not_dcis = criterion(
    "breast-not-dcis", "The cancer is not ductal carcinoma in situ (DCIS).", AGE_AND_INVASIVE,
    ("tumor.histology", "tumor.invasive"), _is_not_dcis,
    lambda histology, invasive: f"the histology is {histology or 'not given'} (breast-not-dcis)", required=(),
    interpretation="A DCIS histology fails; an invasive carcinoma is not DCIS, so with invasive = yes the histology is not needed.",
)  # fmt: skip
t1 = _t_stage(
    "breast-t-stage", "T stage Tis or T1, where Tis does not qualify (see our reading).", cite(BREAST, "T Stage: Tis or T1"), "T1",
    interpretation=(
        "Only T1 qualifies. Tis is carcinoma in situ (AJCC: DCIS, or Paget disease without an invasive component) and the "
        "same list requires invasive cancer and excludes DCIS; the specific exclusion governs the stage list."
    ),
)  # fmt: skip
node_negative = _one_of(
    "breast-node-negative", "The cancer is clinically node negative.", cite(BREAST, "Clinically node negative"),
    "tumor.clinical_node_status", (NodeStatus.NEGATIVE,), lambda n: f"the clinical node status is {_words(n)}",
)  # fmt: skip
negative_margins = _margins("breast-negative-margins", "Surgical margins are negative.", cite(BREAST, "Negative surgical margins"), MarginStatus.NEGATIVE)
breast = all_of(
    "breast", "IORT for breast cancer (single-fraction electron beam; age 50 or older; invasive, not DCIS; T1; clinically node negative; negative margins).",
    BREAST_STATEMENT, breast_site, single_fraction, electron_beam, age_50, invasive, not_dcis, t1, node_negative, negative_margins,
    interpretation="The four listed criteria are the whole test; other ASTRO suitability criteria are not added.",
)  # fmt: skip


# --- cervical, colon, rectal paragraphs ----------------------------------------------------------

cervical_site = _site("cervical-site", "The cancer is a cervical cancer.", CERVICAL_STATEMENT, TumorSite.CERVIX)
cervical = all_of(
    "cervical", "The cervical paragraph: a central local or regional recurrence after previous radiation therapy, in a single fraction.", CERVICAL_STATEMENT,
    cervical_site,
    _yes("cervical-recurrence", "The cancer is a local or regional recurrence.", CERVICAL_STATEMENT, "tumor.recurrent", "the cancer is not recurrent"),
    _yes("cervical-central", "The disease is central (centralized).", CERVICAL_STATEMENT, "tumor.central_disease", "the disease is not central"),
    _yes("cervical-prior-radiation", "The site has had previous radiation therapy.", CERVICAL_STATEMENT, "tumor.prior_radiation_to_site", "the site has not had previous radiation therapy"),
    single_fraction,
)  # fmt: skip

colon_site = _site("colon-site", "The cancer is a colon cancer.", COLON_RECURRENT, TumorSite.COLON)
colon_t4 = all_of(
    "colon-t4", "A T4 tumor with penetration or perforation and close (intermediate) or positive margins.", COLON_T4,
    _t_stage("colon-t4-stage", "The tumor is T4.", COLON_T4, "T4"),
    _yes("colon-penetration", "The tumor penetrates or perforates.", COLON_T4, "tumor.penetration_or_perforation", "the tumor does not penetrate or perforate"),
    _margins("colon-close-or-positive-margins", "Margins are close (intermediate) or positive.", COLON_T4, *CLOSE_OR_POSITIVE,
             interpretation="\"intermediate\" margins are read as close margins."),
    interpretation=(
        "The colon paragraph gives two indications: a T4 tumor with penetration/perforation and close or positive margins "
        "(recurrence not required: read with it, the first sentence would add nothing to the second), or a recurrent cancer."
    ),
)  # fmt: skip
colon_recurrent = _yes("colon-recurrent", "The cancer is recurrent.", COLON_RECURRENT, "tumor.recurrent", "the cancer is not recurrent")
colon = all_of(
    "colon", "The colon paragraph: a boost for a T4 tumor with penetration/perforation and close or positive margins, or for recurrent cancer, in a single fraction.",
    COLON_T4, colon_site,
    _one_of(
        "colon-boost", "IORT is given as a boost.", COLON_RECURRENT, "radiation.iort.role", (IortRole.BOOST,),
        lambda role: f"IORT is requested as {_words(role)}, not as a boost",
    ),
    any_of("colon-t4-or-recurrent", "A T4 penetrating/perforating tumor with close or positive margins, or recurrent cancer.", COLON_RECURRENT, colon_t4, colon_recurrent),
    single_fraction,
)  # fmt: skip

rectal_site = _site("rectal-site", "The cancer is a rectal cancer.", RECTAL_STATEMENT, TumorSite.RECTUM)
rectal = all_of(
    "rectal", "The rectal paragraph: positive or close margins, with a T4 lesion or recurrent disease, in a single fraction.", RECTAL_STATEMENT,
    rectal_site,
    _margins("rectal-close-or-positive-margins", "Margins are positive or close.", RECTAL_STATEMENT, *CLOSE_OR_POSITIVE),
    any_of(
        "rectal-t4-or-recurrent", "A T4 lesion or recurrent disease.", RECTAL_STATEMENT,
        _t_stage("rectal-t4", "The lesion is T4.", RECTAL_STATEMENT, "T4"),
        _yes("rectal-recurrent", "The disease is recurrent.", RECTAL_STATEMENT, "tumor.recurrent", "the disease is not recurrent"),
    ),
    single_fraction,
)  # fmt: skip


# --- the boost paragraph (soft tissue sarcoma, and cervical, colorectal, pancreatic cancer) --------

boost = all_of(
    "boost", "The boost paragraph: a boost at surgery for cervical, colorectal or pancreatic cancer or soft tissue sarcoma with a high risk of recurrence or positive margins, in a single fraction.",
    BOOST_STATEMENT,
    _site("boost-site", "The cancer is cervical, colorectal or pancreatic cancer or a soft tissue sarcoma.", BOOST_STATEMENT, *BOOST_SITES),
    _one_of(
        "boost-role", "IORT is given as a boost at the time of surgery.", BOOST_STATEMENT, "radiation.iort.role",
        (IortRole.BOOST,), lambda role: f"IORT is requested as {_words(role)}, not as a boost",
    ),
    any_of(
        "boost-risk-or-margins", "The tumor has a high risk of recurring, or cannot be completely removed (positive margins).", BOOST_STATEMENT,
        _yes("boost-high-risk", "The tumor has a high risk of recurring.", cite(SARCOMA, "Tumor has a high risk of recurring"), "tumor.high_risk_of_recurrence", "the tumor is not at high risk of recurring"),
        _margins("boost-positive-margins", "The tumor cannot be completely removed (positive margins).", cite(SARCOMA, "Tumor cannot be completely removed (positive margins)"), MarginStatus.POSITIVE,
                 interpretation="Positive margins only, as the parenthesis says; close margins are a complete removal."),
    ),
    single_fraction,
    interpretation=(
        "\"photons or electrons\" restricts nothing: every IORT technique of the interchange contract delivers one or the "
        "other (electronic brachytherapy is excluded by its own sentence)."
    ),
)  # fmt: skip


# --- pancreatic paragraph ------------------------------------------------------------------------

pancreatic_site = _site("pancreatic-site", "The cancer is a pancreatic cancer.", PANCREATIC_STATEMENT, TumorSite.PANCREAS)
pancreatic_case_by_case = all_of(
    "pancreatic-case-by-case", "IORT for pancreatic cancer in a resection that may leave a close or involved margin, reviewed case by case.", CASE_BY_CASE,
    pancreatic_site,
    _one_of(
        "pancreatic-resection", "The patient is undergoing resection (resectable or borderline resectable disease).", PANCREATIC_STATEMENT,
        "tumor.resectability", (Resectability.RESECTABLE, Resectability.BORDERLINE), lambda r: f"the disease is {_words(r)}",
    ),
    _margins(
        "pancreatic-close-or-involved-margin", "The resection may leave a close or involved margin.", PANCREATIC_STATEMENT, *CLOSE_OR_POSITIVE,
        interpretation="\"a closer involved margin\" is read as \"a close or involved (positive) margin\", actual or anticipated.",
    ),
    single_fraction,
    interpretation=(
        "\"may be reasonable\" and \"reviewed on a case-by-case basis\" give clinical_review, not an automatic approval. A "
        "pancreatic case that meets the boost paragraph (high risk of recurrence or positive margins) is medically necessary "
        "by that paragraph, which is checked first."
    ),
)  # fmt: skip
pancreatic_physician_review = all_of(
    "pancreatic-physician-review", "IORT for pancreatic cancer, which required physician review before the May 2023 revision took effect.",
    PHYSICIAN_REVIEW, pancreatic_site,
    interpretation=(
        "The May 2023 revision (implemented January 2024) removed \"requires physician review\" from IORT for pancreatic "
        "cancer; before 2024-01-01 every pancreatic request goes to physician review (clinical_review)."
    ),
)  # fmt: skip


# --- rules and versions --------------------------------------------------------------------------

SINGLE = "in a single fraction during surgery"
BOOST_REQUIREMENT = "or as a boost at surgery when the tumor has a high risk of recurring or positive margins"

OTHER_SITE_RULE = Rule(
    other_site, Outcome.INVESTIGATIONAL,
    "Evolent CG_226 lists IORT indications for breast, cervical, colon, pancreatic and rectal cancer and soft tissue "
    "sarcoma only; IORT for any other cancer site is investigational and not medically necessary.",
)  # fmt: skip
ELECTRONIC_BRACHYTHERAPY_RULE = Rule(
    electronic_brachytherapy, Outcome.INVESTIGATIONAL,
    "Evolent CG_226 considers electronic brachytherapy for IORT (such as Intrabeam, Xoft and Papillon systems) "
    "experimental, investigational and/or unproven; this request names an electronic brachytherapy device or technique. "
    "Another IORT technique (for breast cancer, electron-beam IORT) may be requested instead.",
)  # fmt: skip
PANCREATIC_REVIEW_RULE = Rule(
    pancreatic_physician_review, Outcome.CLINICAL_REVIEW,
    "Before January 2024, Evolent CG_226 required physician review of IORT for pancreatic cancer; a physician reviewer decides this request.",
    scope=pancreatic_site,
)  # fmt: skip
BREAST_RULE = Rule(
    breast, Outcome.MEDICALLY_NECESSARY,
    "This request meets Evolent CG_226 for breast cancer: single-fraction electron-beam IORT for a patient 50 or older "
    "with an invasive T1, clinically node-negative cancer and negative surgical margins.",
    requirement=(
        "Evolent CG_226 covers IORT for breast cancer only as single-fraction electron-beam IORT for a patient 50 years of "
        "age or older with invasive cancer (not DCIS), T stage T1 (Tis, being in situ, does not qualify), clinically node "
        "negative, with negative surgical margins"
    ),
    scope=breast_site,
)  # fmt: skip
CERVICAL_RULE = Rule(
    all_of(
        "cervical-indication", "IORT for cervical cancer (the cervical paragraph, or the boost paragraph).", CERVICAL_STATEMENT,
        cervical_site, any_of("cervical-or-boost", "The cervical paragraph or the boost paragraph is met.", CERVICAL_STATEMENT, cervical, boost),
    ),
    Outcome.MEDICALLY_NECESSARY,
    "This request meets Evolent CG_226 for cervical cancer (a central recurrence after previous radiation therapy, or a "
    "boost for a tumor at high risk of recurring or with positive margins), in a single fraction.",
    requirement=f"Evolent CG_226 covers IORT for cervical cancer only for a central local or regional recurrence after previous radiation therapy, {BOOST_REQUIREMENT}, {SINGLE}",
    scope=cervical_site,
)  # fmt: skip
COLON_RULE = Rule(
    all_of(
        "colon-indication", "IORT for colon cancer (the colon paragraph, or the boost paragraph).", COLON_RECURRENT,
        colon_site, any_of("colon-or-boost", "The colon paragraph or the boost paragraph is met.", COLON_RECURRENT, colon, boost),
    ),
    Outcome.MEDICALLY_NECESSARY,
    "This request meets Evolent CG_226 for colon cancer (a boost for a recurrent cancer, a T4 penetrating or perforating "
    "tumor with close or positive margins, or a tumor at high risk of recurring or with positive margins), in a single fraction.",
    requirement=f"Evolent CG_226 covers IORT for colon cancer only as a boost for recurrent cancer or for a T4 tumor with penetration or perforation and close or positive margins, {BOOST_REQUIREMENT}, {SINGLE}",
    scope=colon_site,
)  # fmt: skip
RECTAL_RULE = Rule(
    all_of(
        "rectal-indication", "IORT for rectal cancer (the rectal paragraph, or the boost paragraph).", RECTAL_STATEMENT,
        rectal_site, any_of("rectal-or-boost", "The rectal paragraph or the boost paragraph is met.", RECTAL_STATEMENT, rectal, boost),
    ),
    Outcome.MEDICALLY_NECESSARY,
    "This request meets Evolent CG_226 for rectal cancer (close or positive margins with a T4 lesion or recurrent disease, "
    "or a boost for a tumor at high risk of recurring or with positive margins), in a single fraction.",
    requirement=f"Evolent CG_226 covers IORT for rectal cancer only with positive or close margins and a T4 lesion or recurrent disease, {BOOST_REQUIREMENT}, {SINGLE}",
    scope=rectal_site,
)  # fmt: skip
pancreatic_or_sarcoma_site = _site(
    "pancreatic-or-sarcoma-site", "The cancer is a pancreatic cancer or a soft tissue sarcoma.", BOOST_STATEMENT,
    TumorSite.PANCREAS, TumorSite.SOFT_TISSUE_SARCOMA,
)
BOOST_RULE = Rule(
    all_of(
        "pancreatic-or-sarcoma-boost", "IORT for pancreatic cancer or soft tissue sarcoma (the boost paragraph).", BOOST_STATEMENT,
        pancreatic_or_sarcoma_site, boost,
    ),
    Outcome.MEDICALLY_NECESSARY,
    "This request meets Evolent CG_226: IORT as a boost at surgery for a tumor at high risk of recurring or with positive margins, in a single fraction.",
    requirement=f"Evolent CG_226 covers IORT for pancreatic cancer and soft tissue sarcoma as a boost at surgery only when the tumor has a high risk of recurring or positive margins, {SINGLE}",
    scope=pancreatic_or_sarcoma_site,
)  # fmt: skip
PANCREATIC_CASE_BY_CASE_RULE = Rule(
    pancreatic_case_by_case, Outcome.CLINICAL_REVIEW,
    "Evolent CG_226 reviews IORT for pancreatic cancer case by case when the resection may leave a close or involved margin; a physician reviewer decides this request.",
    requirement=f"Evolent CG_226 otherwise considers IORT for pancreatic cancer, case by case, only for a resection that may leave a close or involved margin, {SINGLE}",
    scope=pancreatic_site,
)  # fmt: skip

OTHERWISE = Otherwise(
    Outcome.INVESTIGATIONAL,
    "Evolent CG_226 considers IORT investigational and not medically necessary in every scenario its indications do not cover.",
    id="investigational-all-other",
    text="Every other scenario is investigational and not medically necessary.",
    citation=ALL_OTHER,
)  # fmt: skip

ORIGIN = dt.date(2013, 11, 1)
VERSION_2013 = Version(
    effective_from=ORIGIN,
    summary=(
        "Text from the origin (November 2013), reviewed January 2022 with \"No changes\": as the current text, but "
        "IORT for pancreatic cancer requires physician review."
    ),
    rules=(OTHER_SITE_RULE, ELECTRONIC_BRACHYTHERAPY_RULE, PANCREATIC_REVIEW_RULE, BREAST_RULE, CERVICAL_RULE, COLON_RULE, RECTAL_RULE, BOOST_RULE),
    otherwise=OTHERWISE,
)  # fmt: skip
VERSION_2024 = Version(
    effective_from=dt.date(2024, 1, 1),
    summary="May 2023 revision, implemented January 2024: physician review for pancreatic cancer removed; case-by-case review remains.",
    rules=(OTHER_SITE_RULE, ELECTRONIC_BRACHYTHERAPY_RULE, BREAST_RULE, CERVICAL_RULE, COLON_RULE, RECTAL_RULE, BOOST_RULE, PANCREATIC_CASE_BY_CASE_RULE),
    otherwise=OTHERWISE,
)  # fmt: skip

POLICY = Policy(
    id="evolent-cg226-iort",
    title="Intraoperative Radiation Therapy (Evolent Clinical Guideline CG_226)",
    payer="Evolent",
    payer_id="evolent",
    document="evolent-cg226-iort.txt",
    services=ServiceCodes(cpt=("77424", "77425")),
    versions=(VERSION_2013, VERSION_2024),
    unit_limits=(UnitLimit("77424", 1, "surgery", SINGLE_FRACTION), UnitLimit("77425", 1, "surgery", SINGLE_FRACTION)),
    origin=ORIGIN,
)
