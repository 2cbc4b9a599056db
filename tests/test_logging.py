"""The ``coverage_sdk`` logger: plugins loaded, each policy's outcome and time, DICOM read
times and failures; never patient data, whatever the case, its DICOM or a failing plugin carry."""

from __future__ import annotations

import json
import logging
import types

import pytest

import coverage_sdk as cs
from coverage_sdk.testing import dicom as writer
from repo_paths import EXAMPLES

NAME, MRN, BIRTH = "Doe^Johnathan", "MRN-00412377", "19610214"
SENSITIVE = (NAME, "Johnathan", MRN, "00412377", BIRTH)
CASE = EXAMPLES / "bcbsnc-femur-phantom-dicom.json"
FILES = ("phantom/rtdose-3dcrt.dcm", "phantom/rtdose-imrt.dcm", "phantom/rtstruct.dcm")


class _Leaky:
    """A policy that fails with the patient's identifiers in its message."""

    id, title, versions = "leaky", "Fails loudly", ()

    def applies_to_services(self, case):
        return True

    def evaluate(self, case, audit):
        raise RuntimeError(f"cannot decide {case.case_id} ({case.extensions})")


def _identified_dicom(name):
    ds = writer.dataset(EXAMPLES / name)
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = NAME, MRN, BIRTH
    return writer.write(ds)


@pytest.fixture
def records(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.mark.parametrize("dicom", ["held", "files"])
def test_the_log_tells_plugins_timings_and_failures_and_never_patient_data(records, tmp_path, dicom):
    data = json.loads(CASE.read_text())
    data.update(case_id=f"{NAME} {MRN}", extensions={"patient_name": NAME, "mrn": MRN, "birth_date": BIRTH})
    data["procedures"][0]["trace_number"] = MRN
    files = {name: _identified_dicom(name) for name in FILES}
    if dicom == "held":
        case = cs.structure_case(data, files=files)
    else:
        (tmp_path / "phantom").mkdir()
        for name, content in files.items():
            (tmp_path / name).write_bytes(content)
        (tmp_path / "case.json").write_text(json.dumps(data))
        case = cs.load_case(tmp_path / "case.json")
    host = cs.PluginHost.create()
    leaky = types.ModuleType("leaky")
    leaky.coverage_sdk_policies = cs.hookimpl(lambda: [_Leaky()])
    host.register(leaky, "leaky")

    determinations = cs.evaluate(case, host=host)

    assert any(MRN in (d.error or "") for d in determinations)  # the host gets the failure in full...
    text = "\n".join(f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in records.records)
    for secret in SENSITIVE:
        assert secret not in text  # ...the log never
    sdk = [r for r in records.records if r.name == "coverage_sdk"]
    messages = [r.getMessage() for r in sdk]
    assert any(m.startswith("plugin bcbsnc_imrt_extremity_sarcoma loaded from coverage-sdk-bcbsnc-imrt-extremity-sarcoma ") for m in messages)
    assert any(r.levelno == logging.WARNING and r.getMessage().startswith("policy leaky failed on case ") for r in sdk)
    assert any(m.startswith("policy bcbsnc-imrt-extremity-sarcoma decided case ") and m.endswith(" ms") for m in messages)
    assert any(m.startswith("radiation.plans[0].dicom read in ") and m.endswith(f"({dicom})") for m in messages)
