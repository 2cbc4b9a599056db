"""The SDK names the batch package uses that are not part of the top-level API, in one place."""

from coverage_sdk.host.manager import InstalledPolicy, PluginHost, default_host, select
from coverage_sdk.policy.converter import structure_checked
from coverage_sdk.policy.model import Outcome, RequestType, Urgency
from coverage_sdk.policy.schema import _class_schema as class_schema

__all__ = ["InstalledPolicy", "Outcome", "PluginHost", "RequestType", "Urgency", "class_schema", "default_host", "select", "structure_checked"]
