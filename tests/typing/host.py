"""A host and a plugin author using the public API as README's "Python API", "Embedding" and
docs/writing-a-plugin.md show it, with the types a type checker must infer.

Not a test module: ``mypy --strict tests/typing/host.py`` checks it, in tox -e lint against
src/ and in tox -e wheel against the installed wheel (outside the repository). Every
``assert_type`` fails the check when the inferred type differs (``Any`` included).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import numpy as np
from numpy.typing import NDArray
from typing_extensions import assert_type

import coverage_sdk as cs
from coverage_sdk.policy.authoring import Otherwise, Policy, Rule, ServiceCodes, Version, all_of, citer, is_
from coverage_sdk.policy.model import MarginStatus, Outcome, Procedure, TumorSite

# --- a plugin, written with the authoring API ------------------------------------------------

cite = citer("Acme Medical Policy 123: Intraoperative Radiation Therapy")
COVERED = "IORT may be considered medically necessary for rectal cancer when the surgical margins are positive or close."

rectal_cancer = is_("rectal-cancer", "The tumor is a rectal cancer.", cite("Policy", COVERED), "tumor.site", TumorSite.RECTUM)
close_margins = is_(
    "close-or-positive-margins", "The surgical margins are positive or close.", cite("Policy", COVERED),
    "tumor.margin_status", MarginStatus.CLOSE, MarginStatus.POSITIVE,
)  # fmt: skip
POLICY = Policy(
    id="acme-123-iort",
    title="Intraoperative Radiation Therapy (Acme)",
    payer="Acme",
    document="acme-123-iort.txt",
    services=ServiceCodes(cpt=("77424", "77425")),
    versions=(
        Version(
            effective_from=dt.date(2024, 1, 1),
            summary="Medically necessary for rectal cancer with positive or close margins.",
            rules=(
                Rule(
                    all_of("medically-necessary", "Rectal cancer, close margins.", cite("Policy", COVERED), rectal_cancer, close_margins),
                    Outcome.MEDICALLY_NECESSARY,
                    "This request meets the policy.",
                ),
            ),
            otherwise=Otherwise(Outcome.INVESTIGATIONAL, "Investigational for every other indication."),
        ),
    ),
)


class AcmePlugin:
    @cs.hookimpl
    def coverage_sdk_policies(self) -> list[Policy]:
        return [POLICY]


def own_host() -> cs.PluginHost:
    host = cs.PluginHost.create(entry_points=False)
    host.register(AcmePlugin(), "acme_123_iort")
    assert_type(host.policies()[0], cs.InstalledPolicy)
    return host


# --- a host: cases in, determinations out ----------------------------------------------------


def decide_file(path: Path) -> list[cs.Determination]:
    case = cs.load_case(path)
    assert_type(case, cs.Case)
    determinations = cs.evaluate(case)
    assert_type(determinations, list[cs.Determination])
    assert_type(cs.evaluate(case, policies=["bcbsma-278-iort"], host=cs.default_host(), timeout=30.0), list[cs.Determination])
    return determinations


def decide_in_python() -> cs.Determination:
    case = cs.structure_case(
        {"case_id": "host-1", "date_of_service": "2024-03-01", "procedures": [{"code": "77424"}],
         "tumor": {"site": "rectum", "margin_status": "close"}}
    )  # fmt: skip
    case = attrs.evolve(case, procedures=[Procedure("77424", units=1)])
    built = cs.Case(case_id="host-2", date_of_service=dt.date(2024, 3, 1), procedures=[Procedure("77425")])
    assert_type(built, cs.Case)
    (det,) = cs.evaluate(case, policies=["acme-123-iort"], host=own_host())
    assert_type(det, cs.Determination)
    assert_type(det.outcome, cs.Outcome)
    assert_type(det.outcome.requires_clinical_review, bool)
    assert_type(det.requires_clinical_review, bool)
    assert_type(det.reasons, list[str])
    assert_type(det.missing_information[0].field, str)
    assert_type(det.criteria[0].result, cs.Result)
    assert_type(det.policy_version, str | None)
    assert_type(det.error, str | None)
    assert_type(det.audit.case_sha256, str)
    assert_type(det.line_items[0].units_approved, int | None)
    json.dumps(cs.unstructure(det))
    return det


def bad_input(data: dict[str, object]) -> list[tuple[str | None, str | None]]:
    try:
        cs.structure_case(data, source="case.json")
    except cs.InputError as error:
        assert_type(error.source, str | None)
        assert_type(error.location, str | None)
        assert_type(error.pointer, str | None)
        assert_type(error.message, str)
        assert_type(error.problems, tuple[cs.InputError, ...])
        return [(problem.location, problem.pointer) for problem in error.problems or (error,)]
    except cs.CoverageSDKError:
        raise
    return []


def installed() -> list[str]:
    policies = cs.list_policies()
    assert_type(policies, list[cs.InstalledPolicy])
    assert_type(cs.sdk_version(), str)
    return [f"{p.distribution} {p.version}" for p in policies]


# --- the dose engine ------------------------------------------------------------------------


def dose_report(rtdose: Path, rtstruct: Path) -> dict[str, float]:
    dose = cs.read_rtdose(rtdose)
    assert_type(dose, cs.DoseGrid)
    assert_type(dose.x, NDArray[np.float64])
    structures = cs.read_rtstruct(rtstruct)
    heart = structures["Heart"]
    assert_type(heart, cs.Structure)
    dvh = cs.compute_dvh(dose, heart, threads=2)
    assert_type(dvh, cs.DVH)
    assert_type(dvh.cumulative_cc, NDArray[np.float64])
    assert_type(dvh.statistic("D95"), float)
    verdict = cs.parse_constraint("V20Gy < 30 %").evaluate_dvh(dvh)
    assert_type(verdict.explain(), str)
    assert_type(cs.published_constraints("Brain Stem")[0], cs.PublishedConstraint)
    report = cs.bone_circumference(dose, structures["Femur_L"], threshold_gy=40.0)
    assert_type(report, cs.BoneCircumferenceReport)
    assert_type(report.max_fraction_pct, float)
    return {"volume_cc": dvh.volume_cc, "mean": dvh.mean, "bone_pct": report.max_fraction_pct}


def grid_from_arrays() -> cs.DVH:
    axis = np.arange(10, dtype=np.float64)
    dose = cs.DoseGrid(np.ones((10, 10, 10)), axis, axis, axis)
    square = np.array([[2.0, 2.0], [6.0, 2.0], [6.0, 6.0], [2.0, 6.0]])
    structure = cs.Structure.from_contours("box", 1, [(z, square) for z in (3.0, 4.0, 5.0)])
    return cs.compute_dvh(dose, structure)
