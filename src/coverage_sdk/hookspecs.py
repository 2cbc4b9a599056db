"""Every hook a coverage_sdk plugin can implement, typed and documented.

A plugin is a module (or object) named by an entry point in the ``coverage_sdk`` group::

    [project.entry-points.coverage_sdk]
    acme_iort = "acme_iort.plugin"

and implements hooks with the :data:`hookimpl` marker. The SDK's own behaviour (its CLI
commands, its constraint library) is contributed through the same hooks by built-in plugins.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import attrs
import pluggy

if TYPE_CHECKING:
    from coverage_sdk.policy.authoring import Policy
    from coverage_sdk.policy.model import Case, Determination
    from coverage_sdk.dose.constraint_library import PublishedConstraint

hookspec = pluggy.HookspecMarker("coverage_sdk")
hookimpl = pluggy.HookimplMarker("coverage_sdk")


@attrs.frozen
class AdaptedRequest:
    """A host's request read by an :class:`Adapter`: the cases to decide, in order, and the
    adapter's own context (the parsed request) that :meth:`Adapter.write` answers."""

    cases: tuple[Case, ...]
    context: Any = None


class Adapter(Protocol):
    """Turns a host's input format into Cases and the Determinations into the host's output format."""

    @property
    def name(self) -> str:
        """The adapter's name, unique among installed adapters (``--adapter NAME``)."""

    def read(self, data: bytes, *, source: str | None = None) -> AdaptedRequest:
        """The cases of a request; bad input raises :class:`~coverage_sdk.errors.InputError`."""

    def write(self, request: AdaptedRequest, determinations: Sequence[Sequence[Determination]]) -> bytes:
        """The answer to ``request``: ``determinations[i]`` are those of ``request.cases[i]``."""


@hookspec
def coverage_sdk_policies() -> Sequence[Policy]:
    """Return the policies this plugin provides.

    Results from all plugins are concatenated; a policy id must be unique across installed
    plugins. Each policy is usually a :class:`coverage_sdk.policy.authoring.Policy`; any object with
    ``id``, ``title``, ``services``, ``versions``, ``applies_to_services(case) -> bool`` and
    ``evaluate(case, audit) -> Determination`` will do (docs/writing-a-plugin.md).
    """


@hookspec
def coverage_sdk_add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add subcommands to the ``coverage-sdk`` command line.

    Every implementation is called once, in registration order, with the CLI's subparsers;
    each adds its parsers and sets ``func`` (``args -> exit status``) with ``set_defaults``.
    A command raising :class:`~coverage_sdk.errors.InputError` exits 2 with its message.
    """


@hookspec
def coverage_sdk_oar_constraints() -> Sequence[PublishedConstraint]:
    """Return published organ-at-risk constraints for the constraint library.

    Results from all plugins are concatenated into the library that
    :func:`coverage_sdk.published_constraints` and plan-comparison policies read.
    """


@hookspec
def coverage_sdk_adapters() -> Sequence[Adapter]:
    """Return adapters between a host's formats (e.g. FHIR PAS bundles) and the SDK's model.

    Results from all plugins are concatenated; an adapter name must be unique.
    """
