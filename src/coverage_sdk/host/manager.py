"""The plugin host: a pluggy PluginManager with the SDK's hooks, its built-in plugins and the
plugins found through the ``coverage_sdk`` entry-point group.

Built-in behaviour (the CLI's commands, the constraint library, the plugin scaffold) is
contributed by the modules in :data:`DEFAULT_PLUGINS` through the same hooks as third-party
plugins. ``COVERAGE_SDK_LOAD_PLUGINS`` (comma-separated entry-point names) loads only those
entry points; ``COVERAGE_SDK_DISABLE_PLUGINS`` skips those. A plugin that fails to import, to
register or to answer a hook is kept aside as broken: the others still load and answer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib
import importlib.metadata
import logging
import os
import re
import sys
from collections.abc import Iterable
from typing import Any

import attrs
import pluggy

from coverage_sdk import hookspecs
from coverage_sdk.errors import InputError

GROUP = "coverage_sdk"
POLICY_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
log = logging.getLogger("coverage_sdk")
DEFAULT_PLUGINS = (
    "coverage_sdk.cli.commands",
    "coverage_sdk.dose.commands",
    "coverage_sdk.dose.constraint_library",
    "coverage_sdk.render.commands",
    "coverage_sdk.scaffold",
    "coverage_sdk.batch.commands",
)


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


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


@attrs.define
class PluginHost:
    """A pluggy PluginManager with the SDK's hooks, its installed plugins, and their policies.

    Create it once and reuse it (:func:`default_host` is the process-wide one): creating a
    host imports every plugin; listing its policies is cached until a plugin is registered.
    """

    pm: pluggy.PluginManager
    distributions: dict[str, tuple[str, str]] = attrs.Factory(dict)
    broken: list[BrokenPlugin] = attrs.Factory(list)
    _policies: list[InstalledPolicy] | None = attrs.field(default=None, init=False, repr=False)
    _oar_constraints: tuple[Any, ...] | None = attrs.field(default=None, init=False, repr=False)
    _adapters: dict[str, Any] | None = attrs.field(default=None, init=False, repr=False)

    @classmethod
    def create(cls, *, entry_points: bool = True, builtins: bool = True) -> PluginHost:
        pm = pluggy.PluginManager(GROUP)
        pm.add_hookspecs(hookspecs)
        host = cls(pm)
        if builtins:
            for name in DEFAULT_PLUGINS:
                host.register(importlib.import_module(name), name, ("coverage-sdk", _sdk_version()))
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
            except Exception as exc:
                self.broken.append(BrokenPlugin(ep.name, *dist, _describe(exc)))
                log.warning("plugin %s (%s %s) failed to load: %s", ep.name, *dist, _describe(exc))
            else:
                log.info("plugin %s loaded from %s %s", ep.name, *dist)

    def register(self, plugin: Any, name: str, distribution: tuple[str, str] = ("", "")) -> None:
        """Register ``plugin`` under ``name``; a hook implementation matching no hook is refused."""
        self.pm.register(plugin, name=name)
        try:
            self.pm.check_pending()
        except Exception:
            self.pm.unregister(name=name)
            raise
        self.distributions[name] = distribution
        self._forget()

    def unregister(self, name: str) -> None:
        self.pm.unregister(name=name)
        self.distributions.pop(name, None)
        self._forget()

    def _forget(self) -> None:
        self._policies = None
        self._oar_constraints = None
        self._adapters = None

    def call(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call ``hook`` through pluggy once per implementing plugin, in pluggy's call order.

        Each call goes through ``pm.subset_hook_caller`` with only that plugin's implementation
        and every plugin's wrappers, so ``specname``, ``tryfirst``/``trylast`` and wrappers work
        as pluggy defines them, while a plugin that raises (or exits) is marked broken and left
        out without taking the others' results with it; what it prints goes to stderr.
        Returns ``(plugin name, result)`` pairs.
        """
        impls = getattr(self.pm.hook, hook).get_hookimpls()
        plain = {impl.plugin_name for impl in impls if not (impl.hookwrapper or impl.wrapper)}
        wrappers = {impl.plugin_name for impl in impls} - plain
        answers = []
        for impl in reversed(impls):
            if impl.hookwrapper or impl.wrapper:
                continue
            others = [p for n, p in self.pm.list_name_plugin() if n != impl.plugin_name and n not in wrappers]
            try:
                with contextlib.redirect_stdout(sys.stderr):
                    results = self.pm.subset_hook_caller(hook, remove_plugins=others)(**kwargs)
            except (Exception, SystemExit, KeyboardInterrupt) as exc:
                self.mark_broken(impl.plugin_name, f"{hook}: {_describe(exc)}")
                continue
            answers.append((impl.plugin_name, results[0] if results else None))
        return answers

    def policies(self) -> list[InstalledPolicy]:
        """Every installed policy, ordered by id; a plugin whose hook raises or returns something
        that is not a list of policies is marked broken, and a policy id already taken is refused."""
        if self._policies is not None:
            return list(self._policies)
        found: dict[str, InstalledPolicy] = {}
        for name, provided in sorted(self.call("coverage_sdk_policies"), key=lambda item: item[0]):
            if not isinstance(provided, (str, bytes)) and isinstance(provided, Iterable):
                try:
                    provided = list(provided)
                except Exception as exc:
                    provided = exc
            problem = _policies_problem(provided)
            if problem:
                self.mark_broken(name, problem)
                continue
            distribution, version = self.distributions.get(name, (name, ""))
            for policy in provided:
                if policy.id in found:
                    self.mark_broken(name, f"policy id {policy.id!r} is already provided by {found[policy.id].plugin}")
                    continue
                found[policy.id] = InstalledPolicy(policy, name, distribution, version)
        self._policies = [found[key] for key in sorted(found)]
        return list(self._policies)

    def oar_constraints(self) -> tuple[Any, ...]:
        """The constraint library: every plugin's ``coverage_sdk_oar_constraints`` rows, concatenated."""
        if self._oar_constraints is None:
            rows: list[Any] = []
            for name, provided in self.call("coverage_sdk_oar_constraints"):
                if isinstance(provided, (str, bytes)) or not isinstance(provided, Iterable):
                    self.mark_broken(name, f"coverage_sdk_oar_constraints returned {type(provided).__name__}, not a list")
                    continue
                rows += provided
            self._oar_constraints = tuple(rows)
        return self._oar_constraints

    def adapters(self) -> dict[str, Any]:
        """The installed adapters by name; a plugin offering a name already taken is marked broken."""
        if self._adapters is None:
            found: dict[str, Any] = {}
            for name, provided in self.call("coverage_sdk_adapters"):
                if isinstance(provided, (str, bytes)) or not isinstance(provided, Iterable):
                    self.mark_broken(name, f"coverage_sdk_adapters returned {type(provided).__name__}, not a list")
                    continue
                for adapter in provided:
                    if getattr(adapter, "name", None) in found or not isinstance(getattr(adapter, "name", None), str):
                        self.mark_broken(name, f"adapter name {getattr(adapter, 'name', None)!r} is taken or not a string")
                        continue
                    found[adapter.name] = adapter
            self._adapters = found
        return dict(self._adapters)

    def adapter(self, name: str) -> Any:
        """The adapter called ``name``; an unknown name is bad input."""
        adapters = self.adapters()
        if name not in adapters:
            raise InputError(f"unknown adapter {name!r} (installed: {', '.join(sorted(adapters)) or 'none'})", location="--adapter")
        return adapters[name]

    def mark_broken(self, name: str, error: str) -> None:
        distribution, version = self.distributions.get(name, (name, ""))
        if not any(b.name == name for b in self.broken):
            self.broken.append(BrokenPlugin(name, distribution, version, error))
            log.warning("plugin %s (%s %s) is broken: %s", name, distribution, version, error)


POLICY_ATTRIBUTES = ("id", "title", "versions", "applies_to_services", "evaluate")


def _policies_problem(provided: Any) -> str | None:
    if isinstance(provided, Exception):
        return f"coverage_sdk_policies returned a list that cannot be read ({_describe(provided)})"
    if isinstance(provided, (str, bytes)) or not isinstance(provided, Iterable):
        return f"coverage_sdk_policies returned {type(provided).__name__}, not a list of policies"
    try:
        for policy in provided:
            problem = _policy_problem(policy)
            if problem:
                return f"coverage_sdk_policies returned {problem}"
    except Exception as exc:  # a policy object whose attributes raise
        return f"coverage_sdk_policies returned a policy that cannot be read ({_describe(exc)})"
    return None


def _policy_problem(policy: Any) -> str | None:
    lacking = [a for a in POLICY_ATTRIBUTES if not hasattr(policy, a)]
    if lacking:
        return f"{type(policy).__name__} without {', '.join(lacking)}"
    if not isinstance(policy.id, str) or not policy.id:
        return f"a policy whose id is {policy.id!r}, not a string"
    if not isinstance(policy.title, str):
        return f"policy {policy.id!r} whose title is {type(policy.title).__name__}, not a string"
    versions = policy.versions
    if isinstance(versions, (str, bytes)) or not isinstance(versions, Iterable):
        return f"policy {policy.id!r} whose versions are {type(versions).__name__}, not a list"
    for version in versions:
        start, end = getattr(version, "effective_from", None), getattr(version, "effective_to", None)
        if not isinstance(start, dt.date) or not (end is None or isinstance(end, dt.date)):
            return f"policy {policy.id!r} with a version lacking dates (effective_from, effective_to)"
    return None


def select(policies: Iterable[InstalledPolicy], ids: Iterable[str] | None) -> list[InstalledPolicy]:
    """The installed policies named in ``ids`` (all when None); an unknown id is an error."""
    policies = list(policies)
    if ids is None:
        return policies
    by_id = {p.policy.id: p for p in policies}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        installed = ", ".join(by_id) or "none"
        raise InputError(f"unknown policy id {', '.join(unknown)} (installed: {installed})", location="--policy")
    return [by_id[i] for i in dict.fromkeys(ids)]


@functools.lru_cache(maxsize=1)
def default_host() -> PluginHost:
    """The process-wide host, created on first use and reused by :func:`coverage_sdk.evaluate`."""
    return PluginHost.create()


def list_policies(host: PluginHost | None = None) -> list[InstalledPolicy]:
    """Every installed policy with its plugin, distribution and version."""
    return (host or default_host()).policies()


@functools.cache
def _sdk_version() -> str:
    try:
        return importlib.metadata.version("coverage-sdk")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"
