"""Every hook a coverage_sdk plugin can implement, typed and documented.

A plugin is a module (or object) named by an entry point in the ``coverage_sdk`` group::

    [project.entry-points.coverage_sdk]
    acme_iort = "acme_iort.plugin"

and implements hooks with the :data:`hookimpl` marker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .authoring import Policy

hookspec = pluggy.HookspecMarker("coverage_sdk")
hookimpl = pluggy.HookimplMarker("coverage_sdk")


@hookspec
def coverage_sdk_policies() -> Sequence[Policy]:
    """Return the policies this plugin provides.

    Results from all plugins are concatenated; a policy id must be unique across installed
    plugins. Each policy is usually a :class:`coverage_sdk.authoring.Policy`; any object with
    ``id``, ``title``, ``services``, ``versions``, ``applies_to_services(case) -> bool`` and
    ``evaluate(case, audit) -> Determination`` will do (docs/writing-a-plugin.md).
    """
