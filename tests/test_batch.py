"""coverage-sdk batch: identical results on the local and Dask engines, bad cases recorded, resume after a kill."""

from __future__ import annotations

import collections
import gzip
import io
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from repo_paths import EXAMPLES

import coverage_sdk as cs
from coverage_sdk.batch.chunks import plan_chunks
from coverage_sdk.batch.inputs import case_files, read_cases
from coverage_sdk.batch.progress import PlainProgress
from coverage_sdk.batch.run import run_batch
from coverage_sdk.batch.synth import synth_cases, write_cases
from optional import optional

WHEN = "2026-11-30T12:00:00+00:00"
GOOD = json.loads((EXAMPLES / "bcbsnc-femur-sparing-met.json").read_text())


def _quiet() -> PlainProgress:
    return PlainProgress(io.StringIO())


def _outputs(out: Path) -> dict[str, bytes]:
    """Every file a batch leaves, except its timing."""
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != "summary.json"}


def _decided(out: Path) -> collections.Counter:
    """How many times each (case, policy) appears in the chunk files."""
    seen: collections.Counter = collections.Counter()
    for path in out.glob("chunk-*[0-9].jsonl"):
        for line in path.read_text().splitlines():
            det = json.loads(line)
            seen[det["case_id"], det["policy_id"]] += 1
    return seen


@pytest.fixture(scope="module")
def mixed_input(tmp_path_factory) -> Path:
    """240 synthetic cases, the example with DICOM plans (its own task), and four bad cases."""
    folder = tmp_path_factory.mktemp("mixed")
    write_cases(synth_cases(240, seed=7), folder / "a-synthetic.jsonl.gz")
    dicom = json.loads((EXAMPLES / "bcbsnc-femur-phantom-dicom.json").read_text())
    shutil.copytree(EXAMPLES / "phantom", folder / "phantom")
    lines = [
        json.dumps({**GOOD, "case_id": "good-1"}),
        '{"case_id": "truncated", ',
        json.dumps({**GOOD, "case_id": "bad-margin", "tumor": {**GOOD["tumor"], "margin_status": "dirty"}}),
        "",
        json.dumps(dicom),
        json.dumps({**GOOD, "case_id": "bad-date", "date_of_service": "2024-02-30"}),
        json.dumps({**dicom, "case_id": "missing-dicom", "radiation": {**dicom["radiation"], "plans": [
            {**p, "dicom": {"rtdose": "nowhere/rtdose.dcm", "rtstruct": "nowhere/rtstruct.dcm"}} for p in dicom["radiation"]["plans"]]}}),
        json.dumps({**GOOD, "case_id": "good-2"}),
    ]  # fmt: skip
    (folder / "b-handmade.jsonl").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def local_run(mixed_input, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "out"
    summary = run_batch([mixed_input], out, engine="local", workers=2, chunk_size=50, evaluated_at=WHEN, progress=_quiet())
    return out, summary


def test_bad_cases_are_each_a_line_and_the_rest_are_decided(local_run, mixed_input):
    out, summary = local_run
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    handmade = mixed_input / "b-handmade.jsonl"
    assert [(e["location"], e["policy_id"]) for e in errors] == [
        (f"{handmade}:2", None), (f"{handmade}:3", None), (f"{handmade}:6", None),
        (f"{handmade}:7", "bcbsnc-imrt-extremity-sarcoma"),
    ]  # fmt: skip
    assert "malformed JSON" in errors[0]["message"]
    assert "tumor.margin_status: 'dirty' is not one of" in errors[1]["message"]
    assert "date_of_service: '2024-02-30' is not a calendar date" in errors[2]["message"]
    assert "nowhere/rtdose.dcm" in errors[3]["message"]
    assert summary.cases == 247 and summary.errors == 4 and summary.plugin_failures == 0
    decided = {case for case, _ in _decided(out)}
    assert {"good-1", "good-2", "bcbsnc-femur-phantom-dicom"} <= decided and len(decided) == 240 + 4


def test_chunks_keep_input_order_and_dicom_cases_are_their_own_task(local_run, mixed_input):
    out, _ = local_run
    heavy = {"bcbsnc-femur-phantom-dicom", "missing-dicom"}
    expected = []
    for item in read_cases([mixed_input]):
        if not item.has_dicom:
            try:
                expected.append(cs.structure_case(json.loads(item.data)).case_id)
            except (ValueError, cs.InputError):
                pass
    in_files, alone = [], []
    for path in sorted(out.glob("chunk-*[0-9].jsonl")):
        ids = list(dict.fromkeys(json.loads(line)["case_id"] for line in path.read_text().splitlines()))
        if heavy & set(ids):
            alone.append(ids)
        else:
            in_files += ids
    assert in_files == expected
    assert sorted(alone) == [["bcbsnc-femur-phantom-dicom"], ["missing-dicom"]]


def _planned_one_by_one(items, size):
    """The chunks, planned over the cases read one by one: index -> (cases, heavy)."""
    chunks, pending, pending_index, next_index = {}, [], 0, 0
    for item in items:
        if item.has_dicom:
            chunks[next_index] = ([item], True)
            next_index += 1
            continue
        if not pending:
            pending_index, next_index = next_index, next_index + 1
        pending.append(item)
        if len(pending) == size:
            chunks[pending_index], pending = (pending, False), []
    if pending:
        chunks[pending_index] = (pending, False)
    return chunks


def test_chunks_name_byte_ranges_that_workers_read_back_into_the_same_cases(tmp_path):
    dicom = {"case_id": "dicom", "radiation": {"plans": [{"label": "3D", "dicom": {"rtdose": "d.dcm", "rtstruct": "s.dcm"}}]}}
    lines = [json.dumps({"case_id": f"c{i}", "note": "padding " * 20}) for i in range(23)]
    lines[4:4] = ["", "   \t", json.dumps(dicom)]
    lines[12:12] = [json.dumps({"case_id": "mentions", "text": '"dicom"'}), json.dumps({**dicom, "case_id": "dicom-2"}), "", " "]
    text = "\r\n".join(lines[:10]) + "\r\n" + "\n".join(lines[10:]) + "\n\n"
    (tmp_path / "a.jsonl").write_text(text, newline="")
    with gzip.open(tmp_path / "b.jsonl.gz", "wt", newline="") as handle:
        handle.write(text)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "one.json").write_text(json.dumps({"case_id": "file"}))
    (tmp_path / "c" / "two.json").write_text(json.dumps({**dicom, "case_id": "file-dicom"}))
    (tmp_path / "d.jsonl").write_text(text)
    files = case_files([tmp_path])
    for size in (1, 2, 3, 7, 25, 1000):
        planned = {chunk.index: (list(chunk.cases()), chunk.heavy) for chunk in plan_chunks(files, size)}
        assert planned == _planned_one_by_one(read_cases(files), size)
    chunk = next(plan_chunks([tmp_path / "d.jsonl"], 1000))
    assert len(pickle.dumps(chunk)) < 1000 < len(text)


def test_dask_local_cluster_gives_identical_files(local_run, mixed_input, tmp_path):
    optional("distributed", "pip install 'coverage-sdk[dask]'")
    local_out, local_summary = local_run
    summary = run_batch([mixed_input], tmp_path / "out", engine="dask", workers=2, chunk_size=50, evaluated_at=WHEN, progress=_quiet())
    assert _outputs(tmp_path / "out") == _outputs(local_out)
    assert summary.outcomes == local_summary.outcomes and summary.chunks == local_summary.chunks


def test_the_dask_local_cluster_is_quiet_in_its_worker_processes():
    optional("distributed", "pip install 'coverage-sdk[dask]'")
    from coverage_sdk.batch.engines import QUIET_CLUSTER, make_engine

    def settings() -> dict:
        import dask

        return {key: dask.config.get(key) for key in QUIET_CLUSTER}

    runner = make_engine("dask", 1)
    try:
        assert list(runner.client.run(settings).values()) == [QUIET_CLUSTER]
    finally:
        runner.close()


def test_dask_engine_on_a_running_scheduler(mixed_input, local_run, tmp_path):
    distributed = optional("distributed", "pip install 'coverage-sdk[dask]'")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        run_batch([mixed_input / "b-handmade.jsonl"], tmp_path / "out", engine="dask", scheduler=cluster.scheduler_address,
                  chunk_size=50, evaluated_at=WHEN, progress=_quiet())  # fmt: skip
    assert len(_decided(tmp_path / "out")) > 0


def test_resume_of_a_finished_batch_decides_nothing(local_run, mixed_input, tmp_path):
    out, summary = local_run
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    again = run_batch([mixed_input], copy, workers=1, chunk_size=50, progress=_quiet())
    assert again.chunks_resumed == again.chunks == summary.chunks and again.cases_decided_now == 0
    assert again.outcomes == summary.outcomes
    assert _outputs(copy) == _outputs(out)


def test_another_batch_in_the_same_folder_is_refused(local_run, mixed_input):
    out, _ = local_run
    with pytest.raises(cs.InputError, match="another batch"):
        run_batch([mixed_input], out, chunk_size=10, progress=_quiet())


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_batch_resumes_with_each_case_decided_once(tmp_path, sig):
    cases = tmp_path / "cases.jsonl"
    write_cases(synth_cases(600, seed=3), cases)
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "coverage_sdk.cli", "batch", str(cases), "--out", str(out), "--workers", "1", "--chunk-size", "10"]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(list(out.glob("chunk-*.done.json"))) < 3 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        os.killpg(process.pid, sig)
    finally:
        process.wait()
    done_before = len(list(out.glob("chunk-*.done.json")))
    assert 3 <= done_before < 60, "the batch must be stopped midway"
    summary = run_batch([cases], out, workers=1, chunk_size=10, progress=_quiet())
    assert summary.chunks == 60 and summary.chunks_resumed >= done_before
    assert summary.cases == 600 and summary.cases_decided_now == 600 - 10 * summary.chunks_resumed
    decided = _decided(out)
    assert len({case for case, _ in decided}) == 600
    assert set(decided.values()) == {1}
    assert not list(out.glob(".*.tmp"))


def test_cli_batch_summary_and_exit_status(tmp_path, cli):
    cases = tmp_path / "cases.jsonl"
    write_cases(synth_cases(30, seed=1), cases)
    code, out, err = cli("batch", str(cases), "--out", str(tmp_path / "out"), "--workers", "1", "--summary-only")
    assert code == 0, err
    assert "30 cases in 1 chunks; 0 bad cases" in out and "bcbsma-278-iort" in out
    assert not list((tmp_path / "out").glob("chunk-*[0-9].jsonl"))
    assert "batch: 30/30 cases (100.0 %)" in err
    code, _, err = cli("batch", str(tmp_path / "nowhere.jsonl"), "--out", str(tmp_path / "out2"))
    assert code == 2 and "nowhere.jsonl: no such file or folder" in err
    code, _, err = cli("batch", str(cases), "--out", str(tmp_path / "out3"), "--policy", "no-such-policy")
    assert code == 2 and "unknown policy id no-such-policy" in err


def test_synthetic_cases_are_valid_and_deterministic(tmp_path):
    first = list(synth_cases(400, seed=11))
    assert first == list(synth_cases(400, seed=11)) and first != list(synth_cases(400, seed=12))
    for data in first:
        cs.structure_case(data)
    write_cases(iter(first), tmp_path / "a.jsonl.gz")
    write_cases(iter(first), tmp_path / "b.jsonl.gz")
    assert (tmp_path / "a.jsonl.gz").read_bytes() == (tmp_path / "b.jsonl.gz").read_bytes()
    sarcoma = [c for c in first if c["case_id"] and c.get("tumor", {}).get("location", "").startswith("extremity")]
    days = sorted(c["date_of_service"] for c in sarcoma)
    assert days[0] < "2019-05-28" < days[-1]


def test_the_plugin_host_is_created_once_per_worker_process(tmp_path, monkeypatch):
    from coverage_sdk.batch import chunks
    from coverage_sdk.batch.core import PluginHost, default_host

    created = []
    real = PluginHost.create.__func__

    def counting(cls, **kw):
        created.append(1)
        return real(cls, **kw)

    monkeypatch.setattr(PluginHost, "create", classmethod(counting))
    default_host.cache_clear()
    write_cases(synth_cases(40, seed=2), tmp_path / "cases.jsonl")
    job = chunks.Job(str(tmp_path), None, WHEN)
    for chunk in chunks.plan_chunks([tmp_path / "cases.jsonl"], 10):
        chunks.decide_chunk(chunk, job)
    default_host.cache_clear()
    assert len(created) == 1


def test_progress_is_a_rich_bar_on_a_terminal_and_plain_lines_otherwise():
    from coverage_sdk.batch.progress import RichProgress, make_progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(make_progress(Terminal()), RichProgress)
    stream = io.StringIO()
    plain = make_progress(stream)
    assert isinstance(plain, PlainProgress)
    plain.interval = 0.0
    plain.start(3000)
    plain.advance(1000, resumed=True)
    plain.advance(1000)
    plain.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("batch: 1000/3000 cases (33.3 %), 0 cases/s, ETA unknown")
    assert lines[1].startswith("batch: 2000/3000 cases (66.7 %), ") and "ETA 0m00s" in lines[1]


def test_an_output_folder_inside_the_input_folder_is_not_read(tmp_path):
    write_cases(synth_cases(12, seed=4), tmp_path / "cases.jsonl")
    first = run_batch([tmp_path], tmp_path / "out", workers=1, chunk_size=5, progress=_quiet())
    again = run_batch([tmp_path], tmp_path / "out", workers=1, chunk_size=5, progress=_quiet())
    assert first.cases == again.cases == 12 and again.chunks_resumed == 3
