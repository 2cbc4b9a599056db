"""Seeded random mutations of the example cases, decided in batches: the contract holds, the
JSON output stays whole, and every error line names the case file it is about."""

from __future__ import annotations

import json
import random

import pytest

from fuzz.contract import assert_contract, run_cli
from repo_paths import EXAMPLES

WEIRD = [
    "NaN", "Infinity", "-Infinity", "1e400", "-0", str(2**63), str(-(2**63)), "9" * 400, "0.0000001", "true", "null",
    '""', '"\\ud800"', '"\\u0000"', '"\\u001b[31m"', '"' + "x" * 20_000 + '"', "[]", "{}", "[" * 50 + "]" * 50,
    '{"a": 1, "a": 2}', '"C50.911"', '"../../etc/passwd"', '"/dev/zero"', '"2024-02-30"', '"9999-12-31"', "-1",
]  # fmt: skip
BATCHES = 3
PER_BATCH = 30


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _mutated(case: dict, rng: random.Random) -> str:
    """The case as JSON text with one value, chosen at random at any depth, replaced by a weird token."""
    target = rng.choice([p for p in _paths(case) if p])
    marker = "@@MUTATION@@"
    holder = json.loads(json.dumps(case))
    parent = holder
    for step in target[:-1]:
        parent = parent[step]
    parent[target[-1]] = marker
    return json.dumps(holder).replace(json.dumps(marker), rng.choice(WEIRD), 1)


@pytest.mark.parametrize("batch", range(BATCHES))
def test_random_case_mutations_keep_the_contract(tmp_path, batch):
    rng = random.Random(batch)
    examples = sorted(EXAMPLES.glob("*.json"))
    (tmp_path / "phantom").symlink_to(EXAMPLES / "phantom", target_is_directory=True)
    files = []
    for n in range(PER_BATCH):
        case = json.loads(rng.choice(examples).read_text(encoding="utf-8"))
        files.append(tmp_path / f"case-{n:02d}.json")
        files[-1].write_text(_mutated(case, rng), encoding="utf-8")
    run = assert_contract(run_cli("evaluate", *map(str, files), "--format", "json"))
    json.loads(run.out)
    for line in run.err.splitlines():
        assert line.startswith(tuple(f"error: {path}: " for path in files)), line[:200]
