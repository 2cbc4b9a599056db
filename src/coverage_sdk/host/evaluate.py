"""Evaluate a case against installed policies, one determination per policy, with the audit trail."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import enum
import functools
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

import attrs

from coverage_sdk.errors import InputError, PluginError
from coverage_sdk.dose.plan_values import check_case_files
from coverage_sdk.host.manager import InstalledPolicy, PluginHost, _sdk_version, default_host, select
from coverage_sdk.policy.converter import case_sha256
from coverage_sdk.policy.model import Audit, Case, Determination, MissingInformation, Outcome


log = logging.getLogger("coverage_sdk")


def sdk_version() -> str:
    """The installed version of the ``coverage-sdk`` distribution."""
    return _sdk_version()


TIMEOUT_VARIABLE = "COVERAGE_SDK_PLUGIN_TIMEOUT"
DEFAULT_TIMEOUT_S = 300.0
PLUGIN_THREAD = "coverage-sdk-plugin"


def plugin_timeout(value: Any = None) -> float:
    """Seconds a plugin call may take: ``value``, else ``COVERAGE_SDK_PLUGIN_TIMEOUT``, else DEFAULT_TIMEOUT_S."""
    where = "timeout" if value is not None else TIMEOUT_VARIABLE
    if value is None:
        value = os.environ.get(TIMEOUT_VARIABLE, DEFAULT_TIMEOUT_S)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise InputError(f"expected a positive number of seconds, got {value!r}", location=where)
    return seconds


class _PluginStdout:
    """``sys.stdout`` while plugins run: what a plugin's thread prints goes to stderr, so it
    cannot corrupt the host's output; every other thread writes through unchanged."""

    def __init__(self, stdout: TextIO) -> None:
        self.stdout = stdout

    def _target(self) -> TextIO:
        return sys.stderr if threading.current_thread().name.startswith(PLUGIN_THREAD) else self.stdout

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stdout, name)


_stdout_lock = threading.Lock()
_stdout_users = 0


@contextlib.contextmanager
def _plugin_stdout() -> Iterator[None]:
    global _stdout_users
    with _stdout_lock:
        if _stdout_users == 0 and not isinstance(sys.stdout, _PluginStdout):
            sys.stdout = _PluginStdout(sys.stdout)
        _stdout_users += 1
    try:
        yield
    finally:
        with _stdout_lock:
            _stdout_users -= 1
            abandoned = any(t.name.startswith(PLUGIN_THREAD) and t.is_alive() for t in threading.enumerate())
            if _stdout_users == 0 and isinstance(sys.stdout, _PluginStdout) and not abandoned:
                sys.stdout = sys.stdout.stdout


def call_plugin(function: Callable[..., Any], *args: Any, timeout: float, what: str) -> Any:
    """``function(*args)`` in a worker thread given ``timeout`` seconds.

    A call that runs longer raises PluginError; its thread cannot be stopped and is abandoned
    (a daemon thread, left to finish or to end with the process). ``SystemExit``,
    ``KeyboardInterrupt`` and other BaseExceptions a plugin raises become PluginError.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:  # the plugin's failure, reported by the caller
            outcome["error"] = exc

    worker = threading.Thread(target=run, name=f"{PLUGIN_THREAD}: {what}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise PluginError(f"{what} did not answer within {timeout:g} s (limit {TIMEOUT_VARIABLE})")
    error = outcome.get("error")
    if error is None:
        return outcome["value"]
    if isinstance(error, Exception):
        raise error
    raise PluginError(f"{what} raised {type(error).__name__}: {error}") from error


def evaluate(
    case: Case, policies: Iterable[str] | None = None, *, host: PluginHost | None = None,
    evaluated_at: str | None = None, base_dir: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
) -> list[Determination]:  # fmt: skip
    """Determinations for ``case``: for the named policies, or for every installed policy
    that applies to the case's procedures (only the case's payer's, when it names one).

    ``base_dir`` is the folder the case's DICOM paths resolve in (by default the one
    ``load_case`` recorded); a path leaving it, or naming something other than a regular file,
    raises InputError before any policy runs. Each policy gets its own copy of the case and
    runs in a worker thread with ``timeout`` seconds (:func:`plugin_timeout` by default), what
    it prints going to stderr; what it returns is checked before it is trusted. A plugin that
    fails or times out gives a determination with ``error`` set (outcome ``clinical_review``);
    the other policies are still decided.
    """
    if not isinstance(case, Case):
        raise TypeError(f"evaluate() takes a coverage_sdk.Case (from load_case or structure_case), not {type(case).__name__}")
    if isinstance(policies, str):
        raise TypeError("policies is a list of policy ids, e.g. policies=['bcbsma-278-iort'], not one string")
    if base_dir is not None:
        case = attrs.evolve(case, base_dir=os.path.realpath(base_dir))
    check_case_files(case)
    limit = plugin_timeout(timeout)
    host = host or default_host()
    ids = None if policies is None else list(policies)
    installed = select(host.policies(), ids)
    sha = case_sha256(case)
    when = evaluated_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    determinations = []
    with _plugin_stdout():
        for item in installed:
            audit = Audit(sdk_version(), item.distribution, item.version, sha, when)
            own = _own_copy(case)
            started = time.perf_counter()
            try:
                if ids is None and not _applies(item, own, limit):
                    continue
                det = call_plugin(item.policy.evaluate, own, audit, timeout=limit, what=f"{item.policy.id}: evaluate")
                determinations.append(_checked(item, det, case))
            except InputError as exc:
                determinations.append(_failed(case, item.policy.id, audit, exc, Outcome.INSUFFICIENT_INFORMATION))
            except Exception as exc:
                determinations.append(_failed(case, item.policy.id, audit, exc, Outcome.CLINICAL_REVIEW))
                log.warning("policy %s failed on case %s: %s", item.policy.id, sha[:12], type(exc).__name__)
            log.debug(
                "policy %s decided case %s: %s in %.1f ms", item.policy.id, sha[:12], determinations[-1].outcome.value,
                1000 * (time.perf_counter() - started),
            )  # fmt: skip
    if ids is None:
        for broken in host.broken:
            audit = Audit(sdk_version(), broken.distribution, broken.version, sha, when)
            determinations.append(_failed(case, broken.name, audit, PluginError(broken.error), Outcome.CLINICAL_REVIEW))
    return determinations


def _own_copy(value: Any) -> Any:
    """A deep copy of a model value, made field by field: what one policy changes, no other sees."""
    kind = type(value)
    if kind in _ATOMS or isinstance(value, enum.Enum):
        return value
    if kind is list:
        return [_own_copy(item) for item in value]
    if kind is dict:
        return {key: _own_copy(item) for key, item in value.items()}
    if attrs.has(kind):
        new = object.__new__(kind)
        for name in _field_names(kind):
            object.__setattr__(new, name, _own_copy(getattr(value, name)))
        return new
    return copy.deepcopy(value)


_ATOMS = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime})


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in attrs.fields(kind))


def _applies(item: InstalledPolicy, case: Case, timeout: float) -> bool:
    """Whether the policy applies to the case's services (and, when the case names a payer, is that payer's)."""
    if case.payer is not None and getattr(item.policy, "payer_id", None) != case.payer:
        return False
    answer = call_plugin(item.policy.applies_to_services, case, timeout=timeout, what=f"{item.policy.id}: applies_to_services")
    if not isinstance(answer, bool):
        raise PluginError(f"applies_to_services returned {type(answer).__name__}, not a bool")
    return answer


def _checked(item: InstalledPolicy, det: object, case: Case) -> Determination:
    """What a plugin returned, if it is a well-formed determination of its own policy for this case."""
    if not isinstance(det, Determination):
        raise PluginError(f"evaluate returned {type(det).__name__}, not a Determination")
    if det.case_id != case.case_id:
        raise PluginError("evaluate returned a determination for another case_id")
    if det.policy_id != item.policy.id:
        raise PluginError(f"evaluate returned a determination for policy {det.policy_id!r}, not {item.policy.id!r}")
    if not isinstance(det.outcome, Outcome):
        raise PluginError(f"evaluate returned the outcome {det.outcome!r}, not an Outcome")
    if det.requires_clinical_review is not det.outcome.requires_clinical_review:
        raise PluginError(f"requires_clinical_review is {det.requires_clinical_review} for outcome {det.outcome.value}")
    for row in det.summary_table:
        for name in ("value_3d", "value_imrt"):
            value = getattr(row, name)
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)):
                raise PluginError(f"summary_table {row.organ!r} {name} is {value!r}, not a finite number")
    return det


def _failed(case: Case, policy_id: str, audit: Audit, exc: BaseException, outcome: Outcome) -> Determination:
    if isinstance(exc, InputError):
        reason = f"The case's input could not be read ({exc}); correct it and resubmit."
        missing = [MissingInformation(exc.location or exc.source or "input", str(exc))]
        error = f"InputError: {exc}"
    else:
        reason = f"The policy plugin failed while evaluating this case; a clinician must review it ({type(exc).__name__})."
        missing = []
        error = str(exc) if type(exc) is PluginError else f"{type(exc).__name__}: {exc}"
    return Determination(
        case_id=case.case_id, policy_id=policy_id, policy_version=None, outcome=outcome,
        requires_clinical_review=True, reasons=[reason], criteria=[], missing_information=missing,
        prior_authorization_required=None, line_items=[], summary_table=[], audit=audit, error=error,
    )  # fmt: skip
