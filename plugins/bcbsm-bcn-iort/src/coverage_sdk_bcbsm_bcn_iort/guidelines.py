"""The inclusionary and exclusionary guidelines, in force from 1/1/14 ("Added NCCN guideline
covered indications to inclusionary section") to the current text of 7/1/24.

The GIST/desmoid exclusion of the sarcoma bullet is stated once (``EXCLUSIONS``) and holds
across every bullet that could cover such a tumour, "Soft tissue sarcomas." included.

Each bullet of the inclusionary guidelines is one criterion; the header's "without distant
metastases" applies to every bullet. The bullets are grouped into one rule per tumor site
(a bullet can serve several sites: the gynecological one serves cervix, endometrium, uterine
sarcoma, ovary, vulva and vagina), so that a case of one site is decided by the bullets of that site and
the adverse reasons name what that site requires.
"""

from __future__ import annotations

from coverage_sdk.policy.authoring import Criterion, Exclusion, Otherwise, Rule, all_of, any_of, criterion, false, is_, true
from coverage_sdk.policy.model import IortRole, MarginStatus, Outcome, PriorRadiationType, Resectability, SarcomaLocation
from coverage_sdk.policy.model import TumorSite as Site

from .source import EXCLUSIONARY, INCLUSIONARY, cite

HEADER = "Established for the following recurrent and/or unresectable cancers without distant metastases, based on NCCN guidelines:"
ABDOMINAL_SARCOMA = (
    "Abdominal and retroperitoneal sarcoma-for surgery with or without IORT as primary treatment for tumors other than "
    "gastrointestinal stromal tumors (GIST) and desmoid sarcomas, provided that frozen section pathology can confidently "
    "demonstrate a non-GIST/non-desmoid pathology."
)
CENTRAL_CERVICAL = "Central pelvic recurrent cervical cancer after radiation therapy should be considered for pelvic exenteration with or without IORT."
COLON = "Colon cancer: For patients with T4 or recurrent cancers as an additional boost."
GYNECOLOGICAL = "Gynecological cancers, including recurrent cervical cancer, recurrent endometrial cancer and uterine sarcomas."
PANCREATIC = "Pancreatic cancer that in unresectable and resectable cases where resection may result in close or involved margins."
RECTAL = "Rectal cancer: For patients with T4 or recurrent cancers with very close or positive margins after resection, as an additional boost."
ENDOMETRIAL_AFTER_EBRT = "Recurrent uterine endometrial adenocarcinoma in patients previously treated with external beam radiation at the site of recurrence."
SOFT_TISSUE = "Soft tissue sarcomas."
ALL_OTHER = "Experimental/investigational for all other indications."

HEADER_READING = (
    'The header\'s "recurrent and/or unresectable" is applied only to the bullets that state no disease state of their '
    "own (soft tissue sarcomas; gynecological cancers, whose named examples are only examples). Bullets that speak of primary treatment, "
    "resectable cases or T4 tumors are decided by their own terms. \"Without distant metastases\" applies to every bullet."
)
BOOST_READING = 'Read "as an additional boost" as: IORT is requested as a boost (radiation.iort.role = boost), not as monotherapy.'


def _site(id: str, quote: str, site: Site, name: str):
    return is_(id, f"The tumor is {name}.", cite(INCLUSIONARY, quote), "tumor.site", site)


def _recurrent(id: str, quote: str):
    return true(id, "The cancer is recurrent.", cite(INCLUSIONARY, quote), "tumor.recurrent")


def _boost(id: str, quote: str):
    return is_(id, "IORT is given as an additional boost.", cite(INCLUSIONARY, quote), "radiation.iort.role", IortRole.BOOST, interpretation=BOOST_READING)


def _t4(id: str, quote: str):
    return is_(id, "The tumor is T4.", cite(INCLUSIONARY, quote), "tumor.t_category", "T4")


GIST_OR_DESMOID = ("gist", "gastrointestinal stromal", "desmoid", "fibromatosis")


def _not_histology(*words: str):
    return lambda histology: not any(word in histology for word in words)


def _gist_or_desmoid(site: Site | None, histology: str | None) -> bool | None:
    """A desmoid by its site, or a soft tissue sarcoma whose histology is a GIST or desmoid; not one
    when the site is another or the histology names another tumour."""
    if site is Site.DESMOID:
        return True
    if site is not Site.SOFT_TISSUE_SARCOMA:
        return None if site is None else False
    if histology is None:
        return None
    return any(word in histology for word in GIST_OR_DESMOID)


EXCLUSION_READING = (
    'The sarcoma bullet\'s "tumors other than gastrointestinal stromal tumors (GIST) and desmoid sarcomas" excludes a '
    "class of tumour, so it holds across every bullet that could cover such a tumour (\"Soft tissue sarcomas.\" "
    "included): a GIST or desmoid (histology naming GIST, gastrointestinal stromal, desmoid or fibromatosis, or site "
    "desmoid) is investigational. A soft tissue sarcoma whose histology is not given cannot be approved until it is "
    "known (the bullet asks that pathology \"confidently demonstrate a non-GIST/non-desmoid pathology\")."
)
gist_or_desmoid = criterion(
    "excluded-gist-or-desmoid", "The tumor is a gastrointestinal stromal tumor (GIST) or a desmoid tumor.",
    cite(INCLUSIONARY, ABDOMINAL_SARCOMA),
    ("tumor.site", "tumor.histology"), _gist_or_desmoid,
    lambda site, histology: f"the tumor site is {site.value.replace('_', ' ')} and the histology is {histology}", required=(),
    interpretation=EXCLUSION_READING,
)  # fmt: skip
EXCLUSIONS = (
    Exclusion(
        gist_or_desmoid, Outcome.INVESTIGATIONAL,
        "IORT is experimental/investigational for gastrointestinal stromal tumors (GIST) and desmoid tumors: the "
        "inclusionary guidelines establish it for sarcomas \"other than gastrointestinal stromal tumors (GIST) and "
        "desmoid sarcomas\", and this exclusion holds for every bullet, \"Soft tissue sarcomas.\" included.",
    ),
)  # fmt: skip


no_distant_metastases = false(
    "no-distant-metastases", "The cancer has no distant metastases.", cite(INCLUSIONARY, HEADER), "tumor.distant_metastases"
)
header = all_of(
    "inclusionary-header", "The cancer is one of the listed cancers without distant metastases.", cite(INCLUSIONARY, HEADER),
    no_distant_metastases, interpretation=HEADER_READING,
)  # fmt: skip
recurrent_or_unresectable = any_of(
    "header-recurrent-or-unresectable", "The cancer is recurrent or unresectable.", cite(INCLUSIONARY, HEADER),
    true("header-recurrent", "The cancer is recurrent.", cite(INCLUSIONARY, HEADER), "tumor.recurrent"),
    is_("header-unresectable", "The cancer is unresectable.", cite(INCLUSIONARY, HEADER), "tumor.resectability", Resectability.UNRESECTABLE),
    interpretation=HEADER_READING,
)  # fmt: skip

abdominal_sarcoma = all_of(
    "abdominal-retroperitoneal-sarcoma",
    "An abdominal or retroperitoneal sarcoma other than GIST or desmoid, confirmed by frozen-section pathology.",
    cite(INCLUSIONARY, ABDOMINAL_SARCOMA),
    _site("abdominal-sarcoma-site", ABDOMINAL_SARCOMA, Site.SOFT_TISSUE_SARCOMA, "a soft tissue sarcoma"),
    is_(
        "abdominal-sarcoma-location", "The sarcoma is abdominal or retroperitoneal.", cite(INCLUSIONARY, ABDOMINAL_SARCOMA),
        "tumor.location", SarcomaLocation.ABDOMINAL, SarcomaLocation.RETROPERITONEAL,
    ),
    criterion(
        "abdominal-sarcoma-not-gist-or-desmoid", "The histology is neither a GIST nor a desmoid tumor.",
        cite(INCLUSIONARY, ABDOMINAL_SARCOMA), ("tumor.histology",),
        _not_histology(*GIST_OR_DESMOID),
        lambda histology: f"the histology is {histology}",
    ),
    true(
        "abdominal-sarcoma-frozen-section", "Frozen-section pathology demonstrates a non-GIST/non-desmoid pathology.",
        cite(INCLUSIONARY, ABDOMINAL_SARCOMA), "tumor.frozen_section_confirms_non_gist_non_desmoid",
    ),
    interpretation=(
        '"As primary treatment" describes surgery (with or without IORT) as the primary treatment of a resectable tumor; '
        "it does not exclude recurrent tumors, and the header's \"recurrent and/or unresectable\" is not added to it."
    ),
)  # fmt: skip

central_cervical = all_of(
    "central-pelvic-recurrent-cervical",
    "Central pelvic recurrent cervical cancer after radiation therapy.",
    cite(INCLUSIONARY, CENTRAL_CERVICAL),
    _site("central-cervical-site", CENTRAL_CERVICAL, Site.CERVIX, "a cervical cancer"),
    _recurrent("central-cervical-recurrent", CENTRAL_CERVICAL),
    true("central-cervical-central", "The recurrence is central pelvic.", cite(INCLUSIONARY, CENTRAL_CERVICAL), "tumor.central_disease"),
    true(
        "central-cervical-prior-radiation", "The site was previously treated with radiation therapy.",
        cite(INCLUSIONARY, CENTRAL_CERVICAL), "tumor.prior_radiation_to_site",
    ),
    interpretation=(
        "The pelvic exenteration the sentence names is the surgery during which IORT is given; no field of the case "
        "records the planned surgery, so it is not checked."
    ),
)  # fmt: skip

colon = all_of(
    "colon-t4-or-recurrent",
    "Colon cancer, T4 or recurrent, with IORT as an additional boost.",
    cite(INCLUSIONARY, COLON),
    _site("colon-site", COLON, Site.COLON, "a colon cancer"),
    any_of("colon-stage", "The colon cancer is T4 or recurrent.", cite(INCLUSIONARY, COLON), _t4("colon-t4", COLON), _recurrent("colon-recurrent", COLON)),
    _boost("colon-boost", COLON),
)  # fmt: skip

GYNECOLOGICAL_READING = (
    '"Including" introduces examples, not the complete list: the bullet establishes IORT for gynecological cancers, '
    "of which recurrent cervical cancer, recurrent endometrial cancer and uterine sarcomas are named examples; "
    "ovarian, vulvar and vaginal cancers are gynecological cancers too. The bullet states no disease state of its "
    'own beyond its examples, so the header\'s "recurrent and/or unresectable" applies to each (the 1/1/14 entry '
    '"Added" indications; it removed none of the pelvic malignancies established since 3/1/09).'
)


def _gynecological(id: str, name: str, *sites: Site) -> Criterion:
    return all_of(
        f"gynecological-{id}", f"{name[0].upper()}{name[1:]} that is recurrent or unresectable.", cite(INCLUSIONARY, GYNECOLOGICAL),
        is_(f"gynecological-{id}-site", f"The tumor is {name}.", cite(INCLUSIONARY, GYNECOLOGICAL), "tumor.site", *sites),
        recurrent_or_unresectable, interpretation=GYNECOLOGICAL_READING,
    )  # fmt: skip


gynecological_cervical = _gynecological("cervical", "a cervical cancer", Site.CERVIX)
gynecological_endometrial = _gynecological("endometrial", "an endometrial cancer", Site.ENDOMETRIUM)
gynecological_uterine_sarcoma = _gynecological("uterine-sarcoma", "a uterine sarcoma", Site.UTERINE_SARCOMA)
gynecological_other = _gynecological("other", "an ovarian, vulvar or vaginal cancer", Site.OVARY, Site.VULVA, Site.VAGINA)

pancreatic = all_of(
    "pancreatic-cancer",
    "Pancreatic cancer, unresectable or where resection may leave close or involved margins.",
    cite(INCLUSIONARY, PANCREATIC),
    _site("pancreatic-site", PANCREATIC, Site.PANCREAS, "a pancreatic cancer"),
    any_of(
        "pancreatic-unresectable-or-margins", "The cancer is unresectable, or resection may leave close or involved margins.",
        cite(INCLUSIONARY, PANCREATIC),
        is_("pancreatic-unresectable", "The cancer is unresectable.", cite(INCLUSIONARY, PANCREATIC), "tumor.resectability", Resectability.UNRESECTABLE),
        is_(
            "pancreatic-close-or-involved-margins", "The margins are (or are expected to be) close or involved.",
            cite(INCLUSIONARY, PANCREATIC), "tumor.margin_status", MarginStatus.CLOSE, MarginStatus.POSITIVE,
        ),
    ),
    interpretation=(
        "The garbled sentence is read as: unresectable pancreatic cancer, or resectable (including borderline) "
        "pancreatic cancer whose resection may leave close or involved margins (margin_status close or positive, "
        "actual or anticipated)."
    ),
)  # fmt: skip

rectal = all_of(
    "rectal-t4-or-recurrent-close-margins",
    "Rectal cancer, T4 or recurrent, with very close or positive margins after resection, with IORT as an additional boost.",
    cite(INCLUSIONARY, RECTAL),
    _site("rectal-site", RECTAL, Site.RECTUM, "a rectal cancer"),
    any_of("rectal-stage", "The rectal cancer is T4 or recurrent.", cite(INCLUSIONARY, RECTAL), _t4("rectal-t4", RECTAL), _recurrent("rectal-recurrent", RECTAL)),
    is_(
        "rectal-close-or-positive-margins", "The margins after resection are very close or positive.", cite(INCLUSIONARY, RECTAL),
        "tumor.margin_status", MarginStatus.CLOSE, MarginStatus.POSITIVE,
        interpretation='"Very close" is read as margin_status close: the case vocabulary does not grade closeness.',
    ),
    _boost("rectal-boost", RECTAL),
)  # fmt: skip

endometrial_after_ebrt = all_of(
    "recurrent-endometrial-adenocarcinoma-after-ebrt",
    "Recurrent uterine endometrial adenocarcinoma previously treated with external beam radiation at the site of recurrence.",
    cite(INCLUSIONARY, ENDOMETRIAL_AFTER_EBRT),
    _site("endometrial-ebrt-site", ENDOMETRIAL_AFTER_EBRT, Site.ENDOMETRIUM, "an endometrial cancer"),
    criterion(
        "endometrial-ebrt-adenocarcinoma", "The histology is an adenocarcinoma.", cite(INCLUSIONARY, ENDOMETRIAL_AFTER_EBRT),
        ("tumor.histology",), lambda histology: "adenocarcinoma" in histology, lambda histology: f"the histology is {histology}",
    ),
    _recurrent("endometrial-ebrt-recurrent", ENDOMETRIAL_AFTER_EBRT),
    true(
        "endometrial-ebrt-prior-radiation", "The site of recurrence was previously irradiated.",
        cite(INCLUSIONARY, ENDOMETRIAL_AFTER_EBRT), "tumor.prior_radiation_to_site",
    ),
    is_(
        "endometrial-ebrt-external-beam", "The previous radiation included external beam radiation.",
        cite(INCLUSIONARY, ENDOMETRIAL_AFTER_EBRT), "tumor.prior_radiation_type", PriorRadiationType.EBRT, PriorRadiationType.BOTH,
    ),
)  # fmt: skip

soft_tissue_sarcoma = all_of(
    "soft-tissue-sarcoma",
    "A soft tissue sarcoma that is recurrent or unresectable.",
    cite(INCLUSIONARY, SOFT_TISSUE),
    _site("soft-tissue-sarcoma-site", SOFT_TISSUE, Site.SOFT_TISSUE_SARCOMA, "a soft tissue sarcoma"),
    recurrent_or_unresectable,
    interpretation=(
        "This bullet states no disease state of its own, so the header's \"recurrent and/or unresectable\" applies. "
        "The GIST/desmoid exclusion stated in the abdominal/retroperitoneal bullet holds here too (excluded-gist-or-desmoid)."
    ),
)  # fmt: skip


def _established(id: str, text: str, *bullets: Criterion) -> Criterion:
    items = bullets[0] if len(bullets) == 1 else any_of(f"{id}-bullets", f"{text} (any of its bullets)", cite(INCLUSIONARY, HEADER), *bullets)
    return all_of(id, text, cite(INCLUSIONARY, HEADER), header, items)


def _rule(when: Criterion, site: str, requirement: str) -> Rule:
    return Rule(
        when, Outcome.MEDICALLY_NECESSARY,
        f"This request meets the inclusionary guidelines for {site}: IORT is established {requirement}.",
        requirement=f"IORT for {site} is established only {requirement}",
    )  # fmt: skip


RULES = (
    _rule(
        _established("established-soft-tissue-sarcoma", "A soft tissue sarcoma named in the inclusionary guidelines.", abdominal_sarcoma, soft_tissue_sarcoma),
        "soft tissue sarcoma",
        "without distant metastases, for an abdominal or retroperitoneal sarcoma other than a GIST or desmoid tumor "
        "whose pathology is confirmed on frozen section, or for a recurrent or unresectable soft tissue sarcoma",
    ),
    _rule(
        _established("established-cervical", "A cervical cancer named in the inclusionary guidelines.", central_cervical, gynecological_cervical),
        "cervical cancer", "for recurrent or unresectable cervical cancer without distant metastases",
    ),
    _rule(
        _established("established-colon", "A colon cancer named in the inclusionary guidelines.", colon),
        "colon cancer", "for T4 or recurrent colon cancer without distant metastases, with IORT as an additional boost",
    ),
    _rule(
        _established("established-endometrial", "An endometrial cancer named in the inclusionary guidelines.", gynecological_endometrial, endometrial_after_ebrt),
        "endometrial cancer", "for recurrent or unresectable endometrial cancer without distant metastases",
    ),
    _rule(
        _established("established-uterine-sarcoma", "A uterine sarcoma named in the inclusionary guidelines.", gynecological_uterine_sarcoma),
        "uterine sarcoma", "for a recurrent or unresectable uterine sarcoma without distant metastases",
    ),
    _rule(
        _established("established-other-gynecological", "An ovarian, vulvar or vaginal cancer named in the inclusionary guidelines.", gynecological_other),
        "ovarian, vulvar or vaginal cancer", "for a recurrent or unresectable gynecological cancer without distant metastases",
    ),
    _rule(
        _established("established-pancreatic", "A pancreatic cancer named in the inclusionary guidelines.", pancreatic),
        "pancreatic cancer",
        "without distant metastases, for unresectable cancer or where resection may leave close or involved margins",
    ),
    _rule(
        _established("established-rectal", "A rectal cancer named in the inclusionary guidelines.", rectal),
        "rectal cancer",
        "for T4 or recurrent rectal cancer with very close or positive margins after resection, without distant "
        "metastases, with IORT as an additional boost",
    ),
)

OTHERWISE = Otherwise(
    Outcome.INVESTIGATIONAL,
    "Intraoperative radiotherapy is experimental/investigational for every indication other than those of the inclusionary guidelines.",
    id="investigational-all-other-indications",
    text="IORT for any other indication is experimental/investigational.",
    citation=cite(EXCLUSIONARY, ALL_OTHER),
)
