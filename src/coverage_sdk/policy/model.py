"""The interchange model: Case in, Determination out (shared/spec/interchange.md, version 1).

Every field of the contract is here, with the contract's names. A field the case omits is
``None`` (unknown), never false.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Any

import attrs
from attrs import validators as v

from coverage_sdk.dose.inputs import CaseFiles, case_files


class Setting(enum.Enum):
    INPATIENT = "inpatient"
    OUTPATIENT = "outpatient"


class LineOfBusiness(enum.Enum):
    COMMERCIAL_HMO = "commercial_hmo"
    COMMERCIAL_POS = "commercial_pos"
    COMMERCIAL_PPO = "commercial_ppo"
    COMMERCIAL_INDEMNITY = "commercial_indemnity"
    MEDICARE_ADVANTAGE_HMO = "medicare_advantage_hmo"
    MEDICARE_ADVANTAGE_PPO = "medicare_advantage_ppo"
    MEDICARE_SUPPLEMENT = "medicare_supplement"
    MEDICAID = "medicaid"


class Sex(enum.Enum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class ProcedureSystem(enum.Enum):
    CPT = "CPT"
    HCPCS = "HCPCS"
    ICD10_PCS = "ICD-10-PCS"


class DiagnosisSystem(enum.Enum):
    ICD10_CM = "ICD-10-CM"


class TumorSite(enum.Enum):
    BREAST = "breast"
    CERVIX = "cervix"
    ENDOMETRIUM = "endometrium"
    UTERINE_SARCOMA = "uterine_sarcoma"
    OVARY = "ovary"
    VULVA = "vulva"
    VAGINA = "vagina"
    COLON = "colon"
    RECTUM = "rectum"
    ANUS = "anus"
    PANCREAS = "pancreas"
    STOMACH = "stomach"
    ESOPHAGUS = "esophagus"
    LIVER = "liver"
    KIDNEY = "kidney"
    BLADDER = "bladder"
    PROSTATE = "prostate"
    HEAD_AND_NECK = "head_and_neck"
    BRAIN = "brain"
    LUNG = "lung"
    SOFT_TISSUE_SARCOMA = "soft_tissue_sarcoma"
    BONE_SARCOMA = "bone_sarcoma"
    NEUROBLASTOMA = "neuroblastoma"
    DESMOID = "desmoid"
    OTHER = "other"


class SarcomaLocation(enum.Enum):
    EXTREMITY_UPPER = "extremity_upper"
    EXTREMITY_LOWER = "extremity_lower"
    RETROPERITONEAL = "retroperitoneal"
    ABDOMINAL = "abdominal"
    TRUNK = "trunk"
    HEAD_AND_NECK = "head_and_neck"
    PELVIS = "pelvis"


class NodeStatus(enum.Enum):
    NEGATIVE = "negative"
    POSITIVE = "positive"


class Resectability(enum.Enum):
    RESECTABLE = "resectable"
    BORDERLINE = "borderline"
    UNRESECTABLE = "unresectable"


class MarginStatus(enum.Enum):
    NEGATIVE = "negative"
    CLOSE = "close"
    POSITIVE = "positive"


class PriorRadiationType(enum.Enum):
    EBRT = "ebrt"
    BRACHYTHERAPY = "brachytherapy"
    BOTH = "both"


class IortTechnique(enum.Enum):
    ELECTRON = "electron"
    LOW_ENERGY_XRAY = "low_energy_xray"
    HDR_BRACHYTHERAPY = "hdr_brachytherapy"
    ELECTRONIC_BRACHYTHERAPY = "electronic_brachytherapy"


class IortRole(enum.Enum):
    BOOST = "boost"
    MONOTHERAPY = "monotherapy"


class PlanTechnique(enum.Enum):
    THREE_D_CRT = "3dcrt"
    IMRT = "imrt"


class Documentation(enum.Enum):
    CLINICAL_HISTORY = "clinical_history"
    CHART_NOTES = "chart_notes"
    IMAGING_REPORTS = "imaging_reports"
    PATHOLOGY_REPORT = "pathology_report"
    DVH_COMPARISON_COLOR = "dvh_comparison_color"
    SUMMARY_ANALYSIS_TABLE = "summary_analysis_table"
    TREATMENT_PLAN = "treatment_plan"


class Urgency(enum.Enum):
    STANDARD = "standard"
    EXPEDITED = "expedited"


class RequestType(enum.Enum):
    INITIAL = "initial"
    EXTENSION = "extension"
    RENEWAL = "renewal"
    REVISION = "revision"
    APPEAL = "appeal"
    CANCELLATION = "cancellation"


class WarningCode(enum.Enum):
    """What a reviewer must see even when the criteria are met (interchange contract, Determination)."""

    DICOM_SUBMITTED_DISAGREEMENT = "dicom_submitted_disagreement"
    DIAGNOSIS_CONFLICT = "diagnosis_conflict"
    CONSTRAINT_LOOSER_THAN_PUBLISHED = "constraint_looser_than_published"
    IMPLAUSIBLE_DOSE = "implausible_dose"
    VERSION_NOT_ENCODED = "version_not_encoded"


class Outcome(enum.Enum):
    MEDICALLY_NECESSARY = "medically_necessary"
    NOT_MEDICALLY_NECESSARY = "not_medically_necessary"
    INVESTIGATIONAL = "investigational"
    INSUFFICIENT_INFORMATION = "insufficient_information"
    CLINICAL_REVIEW = "clinical_review"
    NOT_APPLICABLE = "not_applicable"

    @property
    def requires_clinical_review(self) -> bool:
        """The SDK recommends; a clinician decides every adverse or undecided outcome."""
        return self not in (Outcome.MEDICALLY_NECESSARY, Outcome.NOT_APPLICABLE)


class Result(enum.Enum):
    """A criterion's three-valued result (Kleene logic: unknown is not false)."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


T_STAGE = re.compile(r"^T(is|[0-4])([a-d])?$")


def _lower(value: str | None) -> str | None:
    return None if value is None else value.strip().lower()


def _t_stage(instance: Any, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and not T_STAGE.match(value):
        raise ValueError(f"'{attribute.name}' must be a T stage (Tis, T0, T1..T4 with an optional sub-letter): {value!r}")


MAX_PATH_CHARS = 1024
MAX_UNITS = 10_000
MAX_FRACTIONS = 100
MAX_SEQUENCE = 1_000_000
MAX_NUMBER = 1e6


def relative_path_problem(value: str) -> str | None:
    """Why ``value`` is not a path inside the case's folder (relative, no ``..``), or None."""
    if not value:
        return "must not be empty"
    if len(value) > MAX_PATH_CHARS:
        return f"must be at most {MAX_PATH_CHARS} characters long"
    if "\x00" in value:
        return "must not contain a NUL character"
    if value.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", value):
        return "must be a path relative to the case's folder, not an absolute path"
    if ".." in re.split(r"[\\/]", value):
        return "must not leave the case's folder ('..')"
    return None


def _relative_path(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    problem = relative_path_problem(value)
    if problem:
        raise ValueError(f"'{attribute.name}' {problem}")


def _optional(kind: type) -> Any:
    return v.optional(v.instance_of(kind))


@attrs.frozen
class Patient:
    age_years: int | None = attrs.field(default=None, validator=v.optional([v.ge(0), v.le(130)]))
    sex: Sex | None = None


@attrs.frozen
class Procedure:
    code: str = attrs.field(validator=v.min_len(1))
    system: ProcedureSystem = ProcedureSystem.CPT
    units: int = attrs.field(default=1, validator=[v.ge(1), v.le(MAX_UNITS)])
    sequence: int | None = attrs.field(default=None, validator=v.optional([v.ge(1), v.le(MAX_SEQUENCE)]))
    trace_number: str | None = None


@attrs.frozen
class PriorService:
    """A service already given in the same treatment; period unit limits count it."""

    code: str = attrs.field(validator=v.min_len(1))
    date_of_service: dt.date
    units: int = attrs.field(validator=[v.ge(1), v.le(MAX_UNITS)])
    system: ProcedureSystem = ProcedureSystem.CPT


@attrs.frozen
class Request:
    """The prior-authorization request itself: echoed in the audit, used for time limits and reporting."""

    received_at: dt.datetime | None = None
    urgency: Urgency | None = None
    type: RequestType | None = None
    original_request_id: str | None = None


@attrs.frozen
class Diagnosis:
    code: str = attrs.field(validator=v.min_len(1))
    system: DiagnosisSystem = DiagnosisSystem.ICD10_CM


@attrs.frozen
class Tumor:
    site: TumorSite | None = None
    location: SarcomaLocation | None = None
    histology: str | None = attrs.field(default=None, converter=_lower)
    invasive: bool | None = None
    t_stage: str | None = attrs.field(default=None, validator=_t_stage)
    clinical_node_status: NodeStatus | None = None
    distant_metastases: bool | None = None
    recurrent: bool | None = None
    resectability: Resectability | None = None
    margin_status: MarginStatus | None = None
    penetration_or_perforation: bool | None = None
    central_disease: bool | None = None
    prior_radiation_to_site: bool | None = None
    prior_radiation_type: PriorRadiationType | None = None
    high_risk_of_recurrence: bool | None = None
    frozen_section_confirms_non_gist_non_desmoid: bool | None = None

    @property
    def t_category(self) -> str | None:
        """The main T category (``T4b`` -> ``T4``, ``Tis`` -> ``Tis``)."""
        if self.t_stage is None:
            return None
        match = T_STAGE.match(self.t_stage)
        return f"T{match.group(1)}" if match else None


@attrs.frozen
class Iort:
    technique: IortTechnique | None = None
    device: str | None = None
    fractions: int | None = attrs.field(default=None, validator=v.optional([v.ge(1), v.le(MAX_FRACTIONS)]))
    role: IortRole | None = None


@attrs.frozen
class PlanDicom:
    """The plan's DICOM files, as paths inside the case's folder."""

    rtdose: str = attrs.field(validator=_relative_path)
    rtstruct: str = attrs.field(validator=_relative_path)


@attrs.frozen
class Plan:
    label: str
    technique: PlanTechnique
    dicom: PlanDicom | None = None
    metrics: dict[str, dict[str, float]] | None = None


@attrs.frozen
class Structures:
    bone: str | None = None
    bone_kind: str | None = attrs.field(default=None, converter=_lower)
    joint: str | None = None
    joint_kind: str | None = attrs.field(default=None, converter=_lower)


@attrs.frozen
class OarConstraint:
    organ: str
    constraint: str
    source: str | None = None


@attrs.frozen
class Radiation:
    iort: Iort | None = None
    plans: list[Plan] = attrs.Factory(list)
    structures: Structures | None = None
    oar_constraints: list[OarConstraint] = attrs.Factory(list)


@attrs.frozen
class Case:
    """A coverage request. Not part of the JSON: ``base_dir``, the folder the plans' DICOM paths resolve in, or ``files``, that DICOM held in memory by the same names (then never read from disk)."""

    case_id: str
    date_of_service: dt.date
    procedures: list[Procedure] = attrs.field(validator=v.min_len(1))
    setting: Setting | None = None
    line_of_business: LineOfBusiness | None = None
    patient: Patient | None = None
    diagnoses: list[Diagnosis] = attrs.Factory(list)
    tumor: Tumor | None = None
    radiation: Radiation | None = None
    documentation: list[Documentation] = attrs.Factory(list)
    payer: str | None = None
    request: Request | None = None
    prior_services: list[PriorService] = attrs.Factory(list)
    extensions: dict[str, Any] = attrs.Factory(dict)
    base_dir: str | None = attrs.field(default=None, eq=False, metadata={"json": False})
    files: CaseFiles | None = attrs.field(default=None, eq=False, converter=case_files, metadata={"json": False})


@attrs.frozen
class CriterionResult:
    """One line of the criteria trail. ``interpretation`` names our reading of an ambiguous sentence."""

    id: str
    text: str
    citation: str
    result: Result
    evidence: dict[str, Any] = attrs.Factory(dict)
    interpretation: str | None = None
    parent: str | None = None


@attrs.frozen
class MissingInformation:
    field: str
    reason: str


@attrs.frozen
class LineItem:
    code: str
    units_requested: int
    units_approved: int | None
    outcome: Outcome
    reason: str | None = None
    sequence: int | None = None
    trace_number: str | None = None


@attrs.frozen
class Warning:
    code: WarningCode
    message: str
    field: str | None = None


@attrs.frozen
class SummaryRow:
    organ: str
    constraint: str
    source: str | None
    value_3d: float | None
    value_imrt: float | None
    met_3d: bool | None
    met_imrt: bool | None
    only_imrt_meets: bool | None
    conclusion: str | None = None


@attrs.frozen
class Audit:
    sdk_version: str
    plugin: str
    plugin_version: str
    case_sha256: str
    evaluated_at: str


@attrs.frozen
class Determination:
    case_id: str
    policy_id: str
    policy_version: str | None
    outcome: Outcome
    requires_clinical_review: bool
    reasons: list[str]
    criteria: list[CriterionResult]
    missing_information: list[MissingInformation]
    prior_authorization_required: bool | None
    line_items: list[LineItem]
    summary_table: list[SummaryRow]
    audit: Audit
    error: str | None = None
    payer: str | None = None
    policy_title: str | None = None
    warnings: list[Warning] = attrs.Factory(list)
