"""A plan's value of a metric: computed from its DICOM, submitted in the case, or both.

shared/spec/interchange.md: each of ``radiation.plans`` gives its dose as DICOM
(``dicom.rtdose`` and ``dicom.rtstruct``, paths relative to the case file) and/or as submitted
values (``metrics[ROI][metric key]``). Where both exist the computed value decides, both are
reported, and a disagreement larger than 1 percentage point (a value in %) or 1 % of the dose
(a value in Gy or cc) is flagged. The metric keys are the spec's: the DVH statistics
(``Dmax``, ``D95``, ``D2cc``, ``V20Gy``, ``V20Gy_cc`` ...), ``bone_circumference_pct_ge_40gy``
(shared/spec/bone-circumference.md) and ``joint_pct_ge_35gy`` (the joint ROI's V35Gy).

pydicom and the dose kernels are imported when a plan's DICOM is first read: a host that
decides submitted metrics only pays for no dose engine.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from coverage_sdk.dose.constraint_library import canonical_organ, organ_key
from coverage_sdk.dose.inputs import CaseFiles, DicomInput, DicomSource, file_problem
from coverage_sdk.dose.metrics import Kind, canonical
from coverage_sdk.errors import InputError
from coverage_sdk.policy.model import Case, Plan, relative_path_problem

if TYPE_CHECKING:
    from coverage_sdk.dose.circumference import BoneCircumferenceReport
    from coverage_sdk.dose.dvh import DVH
    from coverage_sdk.dose.geometry import DoseGrid, Structure

log = logging.getLogger("coverage_sdk")

PRECISION = 6
DISAGREEMENT_POINTS = 1.0
DISAGREEMENT_FRACTION = 0.01
BONE_CIRCUMFERENCE = Kind.BONE_CIRCUMFERENCE.value
JOINT_V35 = Kind.JOINT.value
VALUE_SOURCES = ("computed from DICOM", "submitted")


def disagrees(computed: float, submitted: float, *, percent: bool) -> bool:
    """The spec's rule: the values differ by more than 1 percentage point (``percent``), or
    else by more than 1 % of the computed dose; compared at ``PRECISION`` decimals."""
    difference = round(abs(computed - submitted), PRECISION)
    if percent:
        return difference > DISAGREEMENT_POINTS
    return difference > round(DISAGREEMENT_FRACTION * abs(computed), PRECISION)


@attrs.frozen
class PlanValue:
    """One plan's value of one metric: ``computed`` from its DICOM (on ROI ``roi``, with
    ``notes`` on the computation), ``submitted``, or both; ``problem`` says why the DICOM gave
    no value. ``percent``: the value is a percentage (the disagreement is then in points)."""

    plan: str
    metric: str
    computed: float | None = None
    submitted: float | None = None
    percent: bool = True
    roi: str | None = None
    notes: tuple[str, ...] = ()
    problem: str | None = None

    @property
    def value(self) -> float | None:
        """The value that counts: the computed one where there is one."""
        return self.computed if self.computed is not None else self.submitted

    @property
    def source(self) -> str | None:
        if self.computed is not None:
            return VALUE_SOURCES[0]
        return VALUE_SOURCES[1] if self.submitted is not None else None

    @property
    def difference(self) -> float | None:
        """Computed minus submitted, rounded to ``PRECISION`` decimals; None unless both exist."""
        if self.computed is None or self.submitted is None:
            return None
        return round(self.computed - self.submitted, PRECISION)

    @property
    def disagrees(self) -> bool:
        if self.computed is None or self.submitted is None:
            return False
        return disagrees(self.computed, self.submitted, percent=self.percent)


def find_roi(names: Sequence[str], organ: str) -> str | None:
    """The ROI standing for ``organ``: same name, else same name ignoring case/spaces/underscores,
    else the one ROI that is the same organ (``Brain Stem`` for ``Brainstem``)."""
    if organ in names:
        return organ
    key = organ_key(organ)
    same = [n for n in names if organ_key(n) == key]
    if len(same) == 1:
        return same[0]
    target = canonical_organ(organ)
    alike = [n for n in names if target is not None and canonical_organ(n) == target]
    return alike[0] if len(alike) == 1 else None


def submitted(plan: Plan, roi: str, metric: str) -> float | None:
    """What ``plan.metrics`` gives for ``metric`` of the ROI standing for ``roi`` (:func:`find_roi`);
    metric keys compare as :func:`coverage_sdk.dose.metrics.canonical` spells them (``max`` is ``Dmax``)."""
    if not plan.metrics:
        return None
    structure = find_roi(list(plan.metrics), roi)
    values = plan.metrics.get(structure, {}) if structure else {}
    wanted = canonical(metric) or metric
    for key, value in values.items():
        if canonical(key) == wanted:
            return float(value)
    return None


@attrs.define
class PlanDose:
    """One plan's dose grid and structure set, with what was computed on them so far."""

    label: str
    dose: DoseGrid
    structures: Mapping[str, Structure]
    dvhs: dict[str, DVH] = attrs.Factory(dict)
    circumferences: dict[str, BoneCircumferenceReport] = attrs.Factory(dict)

    @classmethod
    def read(cls, label: str, rtdose: DicomSource | DicomInput, rtstruct: DicomSource | DicomInput) -> PlanDose:
        from coverage_sdk.dose.dicom import read_rtdose, read_rtstruct

        return cls(label, read_rtdose(rtdose), read_rtstruct(rtstruct))

    def dvh(self, roi: str) -> DVH:
        if roi not in self.dvhs:
            from coverage_sdk.dose.dvh import compute_dvh

            self.dvhs[roi] = compute_dvh(self.dose, self.structures[roi])
        return self.dvhs[roi]

    def circumference(self, roi: str) -> BoneCircumferenceReport:
        if roi not in self.circumferences:
            from coverage_sdk.dose.circumference import bone_circumference

            self.circumferences[roi] = bone_circumference(self.dose, self.structures[roi])
        return self.circumferences[roi]

    def measure(self, roi: str, metric: str) -> tuple[float | None, tuple[str, ...]]:
        """``metric`` of ROI ``roi`` and notes on how it was measured; None where it is not defined
        (a structure outside the dose grid, or smaller than the volume asked). Bad geometry raises ValueError."""
        if metric == BONE_CIRCUMFERENCE:
            report = self.circumference(roi)
            notes = (
                f"largest fraction on the plane z = {report.max_plane_z:g} mm; "
                f"{report.length_ge_25pct_cm:g} cm of bone at >= 25 %",
                *report.notes,
            )
            if report.points_outside_grid:
                notes += (f"{report.points_outside_grid} sample points lie outside the dose grid and count as 0 Gy",)
            return report.max_fraction_pct, notes
        dvh = self.dvh(roi)
        value = dvh.statistic("V35Gy" if metric == JOINT_V35 else metric)
        notes = (f"{dvh.volume_outside_cc:.2f} cc of the ROI lie outside the dose grid and are left out",) if dvh.outside_grid else ()
        return (None if value is None or math.isnan(value) else float(value)), notes


DICOM_FIELDS = ("rtdose", "rtstruct")


def _plan_index(case: Case, plan: Plan) -> int:
    plans = case.radiation.plans if case.radiation else []
    for index, candidate in enumerate(plans):
        if candidate is plan:
            return index
    return plans.index(plan) if plan in plans else 0


def case_file(base_dir: str | os.PathLike[str] | None, relative: str, location: str) -> Path:
    """The file ``relative`` names inside ``base_dir`` (the case's folder; the working folder when
    None), checked without opening it: a relative path without ``..``, not leaving the folder
    through a symbolic link, a regular file of at most MAX_DICOM_BYTES. Anything else is an
    InputError at ``location`` (a JSON path) naming the file only as ``relative``."""
    problem = relative_path_problem(relative) if isinstance(relative, str) else "must be a string"
    if problem:
        raise InputError(problem, location=location)
    root = os.path.realpath(base_dir if base_dir is not None else os.curdir)
    target = os.path.realpath(os.path.join(root, relative))
    if os.path.commonpath([root, target]) != root:
        raise InputError("leaves the case's folder (through a symbolic link)", source=relative, location=location)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        raise InputError("no such file", source=relative, location=location) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", source=relative, location=location) from None
    problem = file_problem(info)
    if problem:
        raise InputError(problem, source=relative, location=location)
    return Path(target)


def dicom_paths(case: Case, plan: Plan) -> tuple[Path, Path]:
    """The plan's RT Dose and RT Structure Set files inside the case's folder (:func:`case_file`)."""
    where = f"radiation.plans[{_plan_index(case, plan)}].dicom"
    rtdose, rtstruct = (case_file(case.base_dir, getattr(plan.dicom, name), f"{where}.{name}") for name in DICOM_FIELDS)
    return rtdose, rtstruct


def check_case_files(case: Case) -> None:
    """Raise InputError for the first DICOM path of ``case`` that is not a readable file inside its folder
    (a missing file is left to the policy that needs it); a case with ``files`` reads nothing from a folder."""
    if case.files is not None:
        return
    for index, plan in enumerate(case.radiation.plans if case.radiation else []):
        for name in DICOM_FIELDS if plan.dicom else ():
            try:
                case_file(case.base_dir, getattr(plan.dicom, name), f"radiation.plans[{index}].dicom.{name}")
            except InputError as exc:
                if not exc.message.endswith("no such file"):
                    raise


def read_plan(case: Case, plan: Plan) -> PlanDose:
    """The plan's DICOM: from the case's ``files`` (read once per case), else from its folder (read
    once per version of its files: path, modification time, size). Errors name the file as the
    case gives it and the JSON path (then the DICOM tag), never the host's folder."""
    where = f"radiation.plans[{_plan_index(case, plan)}].dicom"
    if plan.dicom is None:
        raise InputError("the plan gives no DICOM files", location=where)
    names = (plan.dicom.rtdose, plan.dicom.rtstruct)
    started = time.perf_counter()
    if case.files is not None:
        held = _held(case.files, names, where)
        sources = names
    else:
        dose, structures = dicom_paths(case, plan)
        sources = (str(dose), str(structures))
    try:
        if case.files is None:
            read = _read(plan.label, sources[0], _stamp(dose), sources[1], _stamp(structures), names)
        else:
            read = case.files.read_once((plan.label, *names), lambda: PlanDose.read(plan.label, *held))
    except InputError as exc:
        for field, name, source in zip(DICOM_FIELDS, names, sources):
            if exc.source == source:
                location = f"{where}.{field}" + (f" {exc.location}" if exc.location else "")
                raise InputError(exc.message, source=name, location=location) from None
        raise
    log.debug("%s read in %.1f ms (%s)", where, 1000 * (time.perf_counter() - started), "held" if case.files is not None else "files")
    return read


def _held(files: CaseFiles, names: tuple[str, str], where: str) -> tuple[DicomInput, DicomInput]:
    """The plan's RT Dose and RT Structure Set among the case's in-memory files."""
    for field, name in zip(DICOM_FIELDS, names):
        if name not in files:
            raise InputError("no such file among the case's files", source=name, location=f"{where}.{field}")
    return files[names[0]], files[names[1]]


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=8)
def _read(label: str, dose: str, dose_stamp, structures: str, structures_stamp, names: tuple[str, str]) -> PlanDose:
    """The plan read, its dose grid and structure set named as the case names them (for messages)."""
    plan = PlanDose.read(label, dose, structures)
    object.__setattr__(plan.dose, "source", names[0])
    if hasattr(plan.structures, "source"):
        object.__setattr__(plan.structures, "source", names[1])
    return plan
