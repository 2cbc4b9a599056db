"""Evaluate a case against installed policies, one determination per policy, with the audit trail."""

from __future__ import annotations

import copy
import datetime as dt
import enum
import functools
import logging
import math
import os
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from coverage_sdk.errors import InputError, PluginError
from coverage_sdk.dose.plan_values import check_case_files
from coverage_sdk.host.calls import TIMEOUT_VARIABLE, Guard, plugin_stdout, run_plugin_calls
from coverage_sdk.host.manager import InstalledPolicy, PluginHost, _sdk_version, default_host, select
from coverage_sdk.policy.converter import case_sha256
from coverage_sdk.policy.model import Audit, Case, Determination, MissingInformation, Outcome


log = logging.getLogger("coverage_sdk")


def sdk_version() -> str:
    """The installed version of the ``coverage-sdk`` distribution."""
    return _sdk_version()


DEFAULT_TIMEOUT_S = 300.0


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
    if host is not None and not isinstance(host, PluginHost):
        raise TypeError(f"host is a coverage_sdk.PluginHost (PluginHost.create() or default_host()), not {type(host).__name__}")
    if base_dir is not None:
        case = attrs.evolve(case, base_dir=os.path.realpath(base_dir))
    check_case_files(case)
    limit = plugin_timeout(timeout)
    host = host or default_host()
    ids = None if policies is None else list(policies)
    installed = select(host.policies(), ids)
    sha = case_sha256(case)
    when = evaluated_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    audits = [Audit(sdk_version(), item.distribution, item.version, sha, when) for item in installed]
    jobs = [functools.partial(_decide, item, case, audit, ids is None) for item, audit in zip(installed, audits)]
    with plugin_stdout():
        outcomes = run_plugin_calls(jobs, limit)
    determinations = []
    for item, audit, (returned, value, seconds) in zip(installed, audits, outcomes):
        if returned and value is None:
            continue
        if returned:
            determinations.append(value)
        elif isinstance(value, InputError):
            determinations.append(_failed(case, item.policy.id, audit, value, Outcome.INSUFFICIENT_INFORMATION))
        elif isinstance(value, Exception):
            determinations.append(_failed(case, item.policy.id, audit, value, Outcome.CLINICAL_REVIEW))
            log.warning("policy %s failed on case %s: %s", item.policy.id, sha[:12], type(value).__name__)
        else:
            raise value
        log.debug(
            "policy %s decided case %s: %s in %.1f ms", item.policy.id, sha[:12], determinations[-1].outcome.value,
            1000 * seconds,
        )  # fmt: skip
    if ids is None:
        for broken in host.broken:
            audit = Audit(sdk_version(), broken.distribution, broken.version, sha, when)
            determinations.append(_failed(case, broken.name, audit, PluginError(broken.error), Outcome.CLINICAL_REVIEW))
    return determinations


def _own_copy(value: Any) -> Any:
    """A deep copy of a model value, made field by field: what one policy changes, no other sees."""
    copier = _copiers.get(type(value)) or _copier(type(value))
    return value if copier is _same else copier(value)


def _same(value: Any) -> Any:
    return value


def _copy_list(value: list[Any]) -> list[Any]:
    return [_own_copy(item) for item in value]


def _copy_dict(value: dict[Any, Any]) -> dict[Any, Any]:
    return {key: _own_copy(item) for key, item in value.items()}


def _copy_attrs(kind: type) -> Callable[[Any], Any]:
    names = tuple(field.name for field in attrs.fields(kind))

    def copy_instance(value: Any) -> Any:
        new: Any = object.__new__(kind)
        for name in names:
            item = getattr(value, name)
            copier = _copiers.get(type(item)) or _copier(type(item))
            object.__setattr__(new, name, item if copier is _same else copier(item))
        return new

    return copy_instance


def _copier(kind: type) -> Callable[[Any], Any]:
    """How :func:`_own_copy` copies a value of type ``kind`` (worked out once per type)."""
    if kind in (str, int, float, bool, type(None), dt.date, dt.datetime) or issubclass(kind, enum.Enum):
        copier: Callable[[Any], Any] = _same
    elif kind is list:
        copier = _copy_list
    elif kind is dict:
        copier = _copy_dict
    elif attrs.has(kind):
        copier = _copy_attrs(kind)
    else:
        copier = copy.deepcopy
    _copiers[kind] = copier
    return copier


_copiers: dict[type, Callable[[Any], Any]] = {}


def _decide(item: InstalledPolicy, case: Case, audit: Audit, applicable_only: bool, guard: Guard) -> Determination | None:
    """The policy's checked determination for its own copy of ``case``; None when it does not
    apply to the case's services or, when the case names a payer, is another payer's."""
    if applicable_only and case.payer is not None and getattr(item.policy, "payer_id", None) != case.payer:
        return None
    own = _own_copy(case)
    if applicable_only:
        answer = guard.call(f"{item.policy.id}: applies_to_services", item.policy.applies_to_services, own)
        if not isinstance(answer, bool):
            raise PluginError(f"applies_to_services returned {type(answer).__name__}, not a bool")
        if not answer:
            return None
    return _checked(item, guard.call(f"{item.policy.id}: evaluate", item.policy.evaluate, own, audit), case)


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
