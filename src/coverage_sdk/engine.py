"""Evaluate a case against installed policies, one determination per policy, with the audit trail."""

from __future__ import annotations

import datetime as dt
import functools
import importlib.metadata
from collections.abc import Iterable

from .converter import case_sha256
from .errors import InputError
from .model import Audit, Case, Determination, MissingInformation, Outcome
from .plugins import PluginHost, select


@functools.cache
def sdk_version() -> str:
    """The installed coverage-sdk version, read once per process (reading it costs about 2 ms)."""
    try:
        return importlib.metadata.version("coverage-sdk")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def evaluate(
    case: Case, policies: Iterable[str] | None = None, *, host: PluginHost | None = None,
    evaluated_at: str | None = None,
) -> list[Determination]:  # fmt: skip
    """Determinations for ``case``: for the named policies, or for every installed policy
    that applies to the case's procedures. A plugin that fails gives a determination with
    ``error`` set (outcome ``clinical_review``); the other policies are still decided.
    """
    host = host or PluginHost.create()
    ids = None if policies is None else list(policies)
    installed = select(host.policies(), ids)
    if ids is None:
        installed = [p for p in installed if p.policy.applies_to_services(case)]
        if case.payer is not None:
            installed = [p for p in installed if getattr(p.policy, "payer_id", None) == case.payer]
    sha = case_sha256(case)
    when = evaluated_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    determinations = []
    for item in installed:
        audit = Audit(sdk_version(), item.distribution, item.version, sha, when)
        try:
            determinations.append(item.policy.evaluate(case, audit))
        except InputError as exc:
            determinations.append(_failed(case, item.policy.id, audit, exc, Outcome.INSUFFICIENT_INFORMATION))
        except Exception as exc:  # isolate the failing plugin; the others' results stand
            determinations.append(_failed(case, item.policy.id, audit, exc, Outcome.CLINICAL_REVIEW))
    if ids is None:
        for broken in host.broken:
            audit = Audit(sdk_version(), broken.distribution, broken.version, sha, when)
            determinations.append(_failed(case, broken.name, audit, RuntimeError(broken.error), Outcome.CLINICAL_REVIEW))
    return determinations


def _failed(case: Case, policy_id: str, audit: Audit, exc: Exception, outcome: Outcome) -> Determination:
    if isinstance(exc, InputError):
        reason = f"The case's input could not be read ({exc}); correct it and resubmit."
        missing = [MissingInformation(exc.location or exc.source or "input", str(exc))]
        error = f"InputError: {exc}"
    else:
        reason = f"The policy plugin failed while evaluating this case; a clinician must review it ({type(exc).__name__})."
        missing = []
        error = str(exc) if isinstance(exc, RuntimeError) and type(exc) is RuntimeError else f"{type(exc).__name__}: {exc}"
    return Determination(
        case_id=case.case_id, policy_id=policy_id, policy_version=None, outcome=outcome,
        requires_clinical_review=True, reasons=[reason], criteria=[], missing_information=missing,
        prior_authorization_required=None, line_items=[], summary_table=[], audit=audit, error=error,
    )  # fmt: skip
