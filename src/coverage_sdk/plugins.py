"""The plugin host: finds policy plugins through the ``coverage_sdk`` entry-point group.

``COVERAGE_SDK_LOAD_PLUGINS`` (comma-separated entry-point names) loads only those;
``COVERAGE_SDK_DISABLE_PLUGINS`` skips those. A plugin that fails to import or to list its
policies is kept aside as broken: the others still load, and the failure is reported.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Iterable
from typing import Any

import attrs
import pluggy

from . import hookspecs

GROUP = "coverage_sdk"


@attrs.frozen
class InstalledPolicy:
    """A policy with the plugin that provides it (for the audit trail and ``policies``)."""

    policy: Any
    plugin: str
    distribution: str
    version: str


@attrs.frozen
class BrokenPlugin:
    name: str
    distribution: str
    version: str
    error: str


def _names(variable: str) -> set[str] | None:
    value = os.environ.get(variable)
    return None if value is None else {n.strip() for n in value.split(",") if n.strip()}


@attrs.define
class PluginHost:
    """A pluggy PluginManager with the SDK's hooks, its installed plugins, and their policies."""

    pm: pluggy.PluginManager
    distributions: dict[str, tuple[str, str]] = attrs.Factory(dict)
    broken: list[BrokenPlugin] = attrs.Factory(list)

    @classmethod
    def create(cls, *, entry_points: bool = True) -> PluginHost:
        pm = pluggy.PluginManager(GROUP)
        pm.add_hookspecs(hookspecs)
        host = cls(pm)
        host.pm.register(importlib.import_module("coverage_sdk.batch.commands"), name="coverage_sdk.batch")
        if entry_points:
            host.load_entry_points()
        return host

    def load_entry_points(self) -> None:
        allow, deny = _names("COVERAGE_SDK_LOAD_PLUGINS"), _names("COVERAGE_SDK_DISABLE_PLUGINS") or set()
        for ep in sorted(importlib.metadata.entry_points(group=GROUP), key=lambda e: e.name):
            if (allow is not None and ep.name not in allow) or ep.name in deny or self.pm.get_plugin(ep.name):
                continue
            dist = (ep.dist.name, ep.dist.version) if ep.dist else (ep.name, "unknown")
            try:
                self.register(ep.load(), ep.name, dist)
            except Exception as exc:  # a broken plugin must not take the others down
                self.broken.append(BrokenPlugin(ep.name, *dist, f"{type(exc).__name__}: {exc}"))

    def register(self, plugin: Any, name: str, distribution: tuple[str, str] = ("", "")) -> None:
        self.pm.register(plugin, name=name)
        try:
            self.pm.check_pending()
        except Exception:
            self.pm.unregister(name=name)
            raise
        self.distributions[name] = distribution

    def policies(self) -> list[InstalledPolicy]:
        """Every installed policy, ordered by id; a plugin whose hook raises is marked broken."""
        found: dict[str, InstalledPolicy] = {}
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda item: item[0]):
            impl = getattr(plugin, "coverage_sdk_policies", None)
            if impl is None:
                continue
            distribution, version = self.distributions.get(name, (name, ""))
            try:
                provided = list(impl())
            except Exception as exc:
                self._mark_broken(name, f"{type(exc).__name__}: {exc}")
                continue
            for policy in provided:
                if policy.id in found:
                    self._mark_broken(name, f"policy id {policy.id!r} is already provided by {found[policy.id].plugin}")
                    continue
                found[policy.id] = InstalledPolicy(policy, name, distribution, version)
        return [found[key] for key in sorted(found)]

    def _mark_broken(self, name: str, error: str) -> None:
        distribution, version = self.distributions.get(name, (name, ""))
        if not any(b.name == name for b in self.broken):
            self.broken.append(BrokenPlugin(name, distribution, version, error))


def select(policies: Iterable[InstalledPolicy], ids: Iterable[str] | None) -> list[InstalledPolicy]:
    """The installed policies named in ``ids`` (all when None); an unknown id is an error."""
    policies = list(policies)
    if ids is None:
        return policies
    by_id = {p.policy.id: p for p in policies}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        from .errors import InputError

        installed = ", ".join(by_id) or "none"
        raise InputError(f"unknown policy id {', '.join(unknown)} (installed: {installed})", location="--policy")
    return [by_id[i] for i in dict.fromkeys(ids)]
