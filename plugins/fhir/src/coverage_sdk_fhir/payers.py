"""The host's map from insurer and coverage identifiers to payer ids and lines of business."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

import coverage_sdk as cs

from ._core import LineOfBusiness


def _code(concept: dict[str, Any] | None) -> str | None:
    return next((c.get("code") for c in (concept or {}).get("coding") or []), None)


@attrs.frozen
class PayerMap:
    """The host's map from insurer identifiers to payer ids and from coverage classes to lines of business.

    Keys are ``system|value`` or a bare ``value``; a coverage class key may also be
    ``type|value`` (``plan|MAPPO-01``). A request whose insurer is not mapped has the
    ``default_payer`` (the payer a service answers for); without one, every installed policy
    that applies decides it.
    """

    payers: Mapping[str, str] = attrs.Factory(dict)
    lines_of_business: Mapping[str, str] = attrs.field(factory=dict)

    @lines_of_business.validator
    def _known(self, attribute: attrs.Attribute, value: Mapping[str, str]) -> None:
        allowed = {lob.value for lob in LineOfBusiness}
        for key, lob in value.items():
            if lob not in allowed:
                raise cs.InputError(f"{lob!r} is not one of {', '.join(sorted(allowed))}", location=f"lines_of_business.{key}")

    default_payer: str | None = None

    @classmethod
    def load(cls, path: str | Path) -> PayerMap:
        """From JSON ``{"payers": {...}, "lines_of_business": {...}, "default_payer": "..."}``."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise cs.InputError(f"cannot read the payer map ({exc})", source=str(path)) from None
        unknown = set(data) - {"payers", "lines_of_business", "default_payer"} if isinstance(data, dict) else {"(not an object)"}
        if unknown:
            raise cs.InputError(f"unknown field(s) {', '.join(sorted(unknown))}", source=str(path))
        return cls(dict(data.get("payers", {})), dict(data.get("lines_of_business", {})), data.get("default_payer"))

    def payer(self, identifiers: Sequence[dict[str, Any]]) -> str | None:
        return _lookup(self.payers, [(i.get("system"), i.get("value")) for i in identifiers]) or self.default_payer

    def line_of_business(self, classes: Sequence[dict[str, Any]]) -> str | None:
        keys = [(_code(c.get("type")), c.get("value")) for c in classes]
        return _lookup(self.lines_of_business, keys)


def _lookup(table: Mapping[str, str], keys: Sequence[tuple[str | None, str | None]]) -> str | None:
    for qualifier, value in keys:
        if value is None:
            continue
        for key in (f"{qualifier}|{value}", value):
            if key in table:
                return table[key]
    return None
