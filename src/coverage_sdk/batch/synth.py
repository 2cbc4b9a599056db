"""Synthetic metric-only cases for the in-repo policies, so batches and benchmarks need no patient data.

Each case is a plausible request of one kind: IORT for breast, rectal, colon, pancreatic,
cervical or retroperitoneal-sarcoma cancer (decided by the three IORT policies), IMRT for an
extremity sarcoma with submitted bone-circumference and joint metrics (BCBSNC; dates of service
from 2016-06 to 2025, across its 2016 and 2019 versions), or IMRT near organs at risk with
submitted plan doses and constraints. Facts are left out at realistic rates: unknown is not
false. The same ``n`` and ``seed`` give the same cases.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Case = dict[str, Any]

LINES_OF_BUSINESS = ("commercial_hmo", "commercial_ppo", "commercial_pos", "medicare_advantage_hmo", "medicare_advantage_ppo", "medicaid")
IORT_PAYERS = ("bcbsm-bcn", "bcbsma", "evolent", None)
IORT_DEVICES = ("Mobetron", "Intrabeam", "Xoft Axxent", None)
DOCUMENTS = ("clinical_history", "chart_notes", "imaging_reports", "pathology_report", "treatment_plan")


def _day(rng: random.Random, first: dt.date, last: dt.date) -> str:
    return (first + dt.timedelta(days=rng.randrange((last - first).days + 1))).isoformat()


def _maybe(rng: random.Random, value: Any, known: float = 0.85) -> Any:
    return value if rng.random() < known else None


def _prune(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _request(rng: random.Random, day: str) -> dict[str, Any]:
    received = dt.datetime.fromisoformat(day) - dt.timedelta(days=rng.randint(3, 20), minutes=rng.randrange(1440))
    return {"received_at": received.isoformat() + "Z", "urgency": rng.choices(("standard", "expedited"), (85, 15))[0], "type": "initial"}


def _base(rng: random.Random, case_id: str, day: str, age: int, sex: str, procedures: list[dict[str, Any]]) -> Case:
    return {
        "case_id": case_id,
        "date_of_service": day,
        "setting": rng.choice(("inpatient", "outpatient")),
        "line_of_business": rng.choice(LINES_OF_BUSINESS),
        "patient": _prune({"age_years": _maybe(rng, age, 0.9), "sex": sex}),
        "procedures": procedures,
        "documentation": sorted(rng.sample(DOCUMENTS, rng.randint(1, len(DOCUMENTS)))),
        "request": _request(rng, day),
    }


IORT_SITES: dict[str, tuple[str, ...]] = {
    "breast": ("C50.411", "C50.912", "C50.211"),
    "rectum": ("C20",),
    "colon": ("C18.7", "C18.2"),
    "pancreas": ("C25.0", "C25.1"),
    "cervix": ("C53.9",),
    "soft_tissue_sarcoma": ("C48.0",),
}


def iort_case(rng: random.Random, case_id: str) -> Case:
    """IORT for one of the sites the three IORT policies name."""
    site = rng.choice(tuple(IORT_SITES))
    breast = site == "breast"
    day = _day(rng, dt.date(2009, 1, 1), dt.date(2025, 12, 31))
    codes = [{"code": rng.choice(("77424", "77425"))}] + ([{"code": "77469"}] if rng.random() < 0.4 else [])
    case = _base(rng, case_id, day, rng.randint(38, 84), "female" if breast or site == "cervix" else rng.choice(("female", "male")), codes)
    case["payer"] = rng.choice(IORT_PAYERS)
    case["diagnoses"] = [rng.choice(IORT_SITES[site])]
    tumor = {
        "site": _maybe(rng, site, 0.7),
        "t_stage": _maybe(rng, rng.choice(("T1a", "T1b", "T1c", "T2")) if breast else rng.choice(("T2", "T3", "T4", "T4a", "T4b"))),
        "recurrent": _maybe(rng, rng.random() < 0.25),
        "margin_status": _maybe(rng, rng.choice(("negative", "close", "positive")), 0.75),
        "distant_metastases": _maybe(rng, rng.random() < 0.05),
        "prior_radiation_to_site": _maybe(rng, rng.random() < 0.2, 0.7),
    }
    if breast:
        tumor.update(invasive=_maybe(rng, rng.random() < 0.85), clinical_node_status=_maybe(rng, rng.choice(("negative", "negative", "positive"))),
                     histology=rng.choice(("invasive ductal carcinoma", "dcis", "invasive lobular carcinoma")))  # fmt: skip
    elif site == "pancreas":
        tumor["resectability"] = _maybe(rng, rng.choice(("resectable", "borderline", "unresectable")))
    elif site == "cervix":
        tumor["central_disease"] = _maybe(rng, rng.random() < 0.6)
    elif site == "soft_tissue_sarcoma":
        tumor.update(location="retroperitoneal", histology=rng.choice(("liposarcoma", "leiomyosarcoma")),
                     resectability=_maybe(rng, rng.choice(("resectable", "borderline"))))  # fmt: skip
    case["tumor"] = _prune(tumor)
    technique = rng.choice(("electron", "low_energy_xray", "hdr_brachytherapy", "electronic_brachytherapy"))
    role = "monotherapy" if breast and rng.random() < 0.6 else "boost"
    case["radiation"] = {"iort": _prune({"technique": technique, "device": rng.choice(IORT_DEVICES), "fractions": 1, "role": role})}
    return _prune(case)


def _imrt_codes(rng: random.Random) -> list[dict[str, Any]]:
    return [{"code": "77301"}, {"code": "77338", "units": rng.randint(1, 4)}, {"code": rng.choice(("77385", "77386")), "units": rng.randint(25, 35)}]


def extremity_sarcoma_case(rng: random.Random, case_id: str) -> Case:
    """IMRT for an extremity sarcoma with the 3D and IMRT plans' bone (and sometimes joint) metrics."""
    lower = rng.random() < 0.7
    bone, bone_kind = ("Femur_L", "femur") if lower else ("Humerus_R", "humerus")
    day = _day(rng, dt.date(2016, 6, 1), dt.date(2025, 12, 31))
    case = _base(rng, case_id, day, rng.randint(18, 85), rng.choice(("female", "male")), _imrt_codes(rng))
    case["payer"] = rng.choice(("bcbsnc", "bcbsnc", None))
    case["diagnoses"] = ["C49.22" if lower else "C49.12"]
    case["tumor"] = {
        "site": "soft_tissue_sarcoma", "location": "extremity_lower" if lower else "extremity_upper",
        "histology": rng.choice(("undifferentiated pleomorphic sarcoma", "liposarcoma", "synovial sarcoma")),
        "t_stage": rng.choice(("T1", "T2", "T3", "T4")),
    }  # fmt: skip
    three_d = round(rng.uniform(5.0, 95.0), 1)
    metrics_3d = {bone: {"bone_circumference_pct_ge_40gy": three_d}}
    metrics_imrt = {bone: {"bone_circumference_pct_ge_40gy": round(max(0.0, three_d - rng.uniform(0.0, 40.0)), 1)}}
    structures = {"bone": bone, "bone_kind": bone_kind}
    if rng.random() < 0.3:
        joint, joint_kind = ("Knee_L", "knee") if lower else ("Shoulder_R", "shoulder")
        joint_3d = round(rng.uniform(5.0, 90.0), 1)
        metrics_3d[joint] = {"joint_pct_ge_35gy": joint_3d}
        metrics_imrt[joint] = {"joint_pct_ge_35gy": round(max(0.0, joint_3d - rng.uniform(0.0, 35.0)), 1)}
        structures.update(joint=joint, joint_kind=joint_kind)
    plans = [{"label": "3D-CRT", "technique": "3dcrt", "metrics": metrics_3d}]
    if rng.random() < 0.95:
        plans.append({"label": "IMRT", "technique": "imrt", "metrics": metrics_imrt})
    case["radiation"] = {"structures": structures, "plans": plans}
    return _prune(case)


OARS = (
    ("Brainstem", "Dmax", "Max < 54 Gy", "QUANTEC", 40.0, 64.0),
    ("Spinal cord", "Dmax", "Max < 45 Gy", "QUANTEC", 30.0, 52.0),
    ("Parotid_L", "Dmean", "Mean < 26 Gy", "QUANTEC", 15.0, 40.0),
    ("Brachial plexus", "Dmax", "Max < 66 Gy", "RTOG", 50.0, 72.0),
)


def oar_case(rng: random.Random, case_id: str) -> Case:
    """IMRT near organs at risk: both plans' doses to two or three organs and their constraints."""
    day = _day(rng, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    case = _base(rng, case_id, day, rng.randint(30, 85), rng.choice(("female", "male")), _imrt_codes(rng))
    case["diagnoses"] = [rng.choice(("C32.9", "C01", "C71.9", "C79.51"))]
    organs = rng.sample(OARS, rng.randint(2, 3))
    three_d = {name: {metric: round(rng.uniform(low, high), 1)} for name, metric, _, _, low, high in organs}
    imrt = {name: {metric: round(three_d[name][metric] - rng.uniform(-2.0, 12.0), 1)} for name, metric, *_ in organs}
    case["radiation"] = {
        "plans": [{"label": "3D", "technique": "3dcrt", "metrics": three_d}, {"label": "IMRT", "technique": "imrt", "metrics": imrt}],
        "oar_constraints": [{"organ": name, "constraint": constraint, "source": source} for name, _, constraint, source, *_ in organs],
    }
    case["documentation"] = sorted({*case["documentation"], "dvh_comparison_color", "summary_analysis_table"})
    return case


KINDS: tuple[tuple[Callable[[random.Random, str], Case], int], ...] = (
    (iort_case, 60), (extremity_sarcoma_case, 25), (oar_case, 15),
)  # fmt: skip


def synth_cases(n: int, seed: int, kinds: tuple[tuple[Callable[[random.Random, str], Case], int], ...] = KINDS) -> Iterator[Case]:
    """``n`` synthetic cases, deterministic for ``seed``; ``kinds`` weighs the case generators."""
    rng = random.Random(seed)
    makers, weights = zip(*kinds)
    for i in range(n):
        yield rng.choices(makers, weights)[0](rng, f"synth-{seed}-{i:07d}")


def write_cases(cases: Iterator[Case], path: str | os.PathLike[str]) -> int:
    """Write cases as JSON Lines; gzip when the name ends in .gz, byte-identical for the same cases."""
    path = Path(path)
    count = 0
    with open(path, "wb") as raw:
        binary = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if path.name.endswith(".gz") else raw
        with io.TextIOWrapper(binary, encoding="utf-8", newline="\n") as out:
            for case in cases:
                out.write(json.dumps(case, sort_keys=True, separators=(",", ":")))
                out.write("\n")
                count += 1
    return count
