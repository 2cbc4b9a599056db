"""Determinations of one policy in a fresh process: ``python -m coverage_sdk.testing.determinism``.

The conformance suite's determinism check runs this under several ``PYTHONHASHSEED`` values:
a reason built by iterating a ``set`` of strings reads the same in one process and differently
in another. Reads a JSON request on stdin (``plugin``: the plugin module to import, ``path``:
folders to put on ``sys.path`` first, ``distribution``: its name and version for the audit, ``policy_id``, ``cases``: ``[case JSON, base_dir]``
pairs); prints the determinations' JSON, ``audit.evaluated_at`` left empty.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import attrs

from coverage_sdk.host.evaluate import evaluate
from coverage_sdk.host.manager import PluginHost
from coverage_sdk.policy.converter import structure_case, unstructure
from coverage_sdk.policy.model import Case

SEEDS = ("0", "1", "2")


def request(plugin: str, distribution: tuple[str, str], path: Sequence[str], policy_id: str, cases: Sequence[Case]) -> str:
    return json.dumps({
        "plugin": plugin, "distribution": list(distribution), "path": list(path), "policy_id": policy_id,
        "cases": [[unstructure(case), case.base_dir] for case in cases],
    })  # fmt: skip


def in_fresh_process(text: str, seed: str, env: dict[str, str]) -> list[str]:
    """The determinations' JSON texts from a new interpreter started with ``PYTHONHASHSEED=seed``."""
    run = subprocess.run(
        [sys.executable, "-m", "coverage_sdk.testing.determinism"], input=text, capture_output=True, text=True,
        env={**env, "PYTHONHASHSEED": seed}, check=False, timeout=300,
    )  # fmt: skip
    if run.returncode != 0:
        raise RuntimeError(f"the determinism subprocess failed (exit {run.returncode}): {run.stderr.strip()[-2000:]}")
    return json.loads(run.stdout)


def stable_json(det: Any) -> str:
    data = unstructure(det)
    data["audit"]["evaluated_at"] = ""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)


def main() -> int:
    data = json.load(sys.stdin)
    sys.path[:0] = data["path"]
    host = PluginHost.create(entry_points=False)
    host.register(importlib.import_module(data["plugin"]), data["plugin"], tuple(data["distribution"]))
    out = []
    for case_json, base_dir in data["cases"]:
        case = attrs.evolve(structure_case(case_json), base_dir=base_dir)
        (det,) = evaluate(case, [data["policy_id"]], host=host, evaluated_at="")
        out.append(stable_json(det))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
