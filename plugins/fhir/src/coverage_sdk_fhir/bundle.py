"""A Bundle's entries by reference: resolve ``Type/id``, ``urn:uuid:`` and absolute references."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from .outcome import Issue, IssueType


def references(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every ``reference`` string inside ``value``, with its FHIRPath."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "reference" and isinstance(child, str):
                yield f"{path}.reference", child
            elif key != "contained":
                yield from references(child, f"{path}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from references(child, f"{path}[{index}]")


@attrs.frozen
class Entry:
    index: int
    full_url: str
    resource: dict[str, Any]

    @property
    def path(self) -> str:
        return f"Bundle.entry[{self.index}].resource"

    @property
    def key(self) -> str:
        return f"{self.resource.get('resourceType')}/{self.resource.get('id')}"


@attrs.frozen
class BundleIndex:
    """The entries of a parsed Bundle (plain JSON), found by the references that point at them."""

    entries: tuple[Entry, ...]

    @classmethod
    def of(cls, bundle: dict[str, Any]) -> BundleIndex:
        return cls(tuple(
            Entry(i, e.get("fullUrl", ""), e["resource"]) for i, e in enumerate(bundle.get("entry") or []) if "resource" in e
        ))  # fmt: skip

    def find(self, reference: str) -> Entry | None:
        for entry in self.entries:
            if reference in (entry.full_url, entry.key) or entry.full_url.endswith("/" + reference):
                return entry
        return None

    def get(self, reference: dict[str, Any] | None) -> Entry | None:
        """The entry a Reference element points at, or None when it has no literal reference."""
        if not reference or not isinstance(reference.get("reference"), str):
            return None
        return self.find(reference["reference"])

    def problems(self) -> list[Issue]:
        """A resource held twice, or a reference to a resource the Bundle does not hold."""
        issues = []
        seen: dict[str, int] = {}
        for entry in self.entries:
            if entry.key in seen:
                issues.append(Issue(f"Bundle.entry[{entry.index}]", f"{entry.key} is already entry[{seen[entry.key]}]; a PAS Bundle holds each resource once", IssueType.BUSINESS_RULE))
            seen.setdefault(entry.key, entry.index)
        for entry in self.entries:
            for path, target in references(entry.resource, entry.path):
                if not target.startswith("#") and self.find(target) is None:
                    issues.append(Issue(path, f"the referenced resource {target} is not in the Bundle", IssueType.NOT_FOUND))
        return issues

    def closure(self, start: list[dict[str, Any]], skip: frozenset[str] = frozenset()) -> list[Entry]:
        """The entries ``start`` references, directly or through each other, in Bundle order."""
        found: dict[int, Entry] = {}
        pending = list(start)
        while pending:
            for _, target in references(pending.pop(), ""):
                entry = self.find(target)
                if entry is not None and entry.index not in found and entry.resource.get("resourceType") not in skip:
                    found[entry.index] = entry
                    pending.append(entry.resource)
        return [found[i] for i in sorted(found)]
