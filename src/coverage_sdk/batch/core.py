"""The SDK names the batch package uses that are not part of the top-level API, in one place."""

from coverage_sdk.converter import _messages as structure_messages
from coverage_sdk.model import Outcome, RequestType, Urgency
from coverage_sdk.plugins import InstalledPolicy, PluginHost, select
from coverage_sdk.schema import _class_schema as class_schema

__all__ = ["InstalledPolicy", "Outcome", "PluginHost", "RequestType", "Urgency", "class_schema", "select", "structure_messages"]
