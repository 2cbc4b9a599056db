"""Assert that ``coverage-sdk policies --json`` lists exactly the given policies.

``python -m coverage_sdk.testing.alone bcbsma-278-iort`` (or ``--none``) in an environment
that installs the core with one plugin: exit 0 when exactly those policies are installed and
no plugin is broken, 1 otherwise with a message saying what differs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path


def _command() -> list[str]:
    script = Path(sysconfig.get_path("scripts")) / ("coverage-sdk.exe" if sys.platform == "win32" else "coverage-sdk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "coverage_sdk.cli"]


def problems(expected: Sequence[str]) -> list[str]:
    """What differs between the installed policies and ``expected`` (empty when they match)."""
    command = [*_command(), "policies", "--json"]
    done = subprocess.run(command, capture_output=True, text=True)
    try:
        listing = json.loads(done.stdout)
    except json.JSONDecodeError:
        return [f"`{' '.join(command)}` exited {done.returncode} without JSON output: {done.stderr.strip()}"]
    installed = [row["policy_id"] for row in listing["policies"]]
    found = []
    missing = sorted(set(expected) - set(installed))
    unexpected = sorted(set(installed) - set(expected))
    if missing:
        found.append(f"not installed: {', '.join(missing)}")
    if unexpected:
        found.append(f"installed but not expected: {', '.join(unexpected)}")
    found += [f"plugin {b['plugin']} ({b['distribution']} {b['version']}) failed to load: {b['error']}" for b in listing["broken_plugins"]]
    if done.returncode != 0 and not found:
        found.append(f"`{' '.join(command)}` exited {done.returncode}: {done.stderr.strip()}")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coverage_sdk.testing.alone", description=__doc__.splitlines()[0])
    parser.add_argument("policy_ids", nargs="*", metavar="POLICY_ID")
    parser.add_argument("--none", action="store_true", help="expect no policy plugin at all")
    args = parser.parse_args(argv)
    if bool(args.policy_ids) == args.none:
        parser.error("give the expected policy ids, or --none")
    found = problems(args.policy_ids)
    expected = ", ".join(args.policy_ids) or "none"
    if found:
        print(f"error: expected exactly these policies: {expected}", file=sys.stderr)
        for line in found:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"ok: exactly these policies are installed: {expected}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
