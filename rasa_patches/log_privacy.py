"""Keeps children's words out of the Rasa server's logs.

Rasa 3.6 logs some events with user data attached: the message text when a REST request is
cancelled ("rest.message.received.timeout"), slot values and local variables when a response
template fails to fill. Our rule is no message text in logs, so a processor at the head of Rasa's
structlog chain keeps only fields known to carry no user data and replaces every other value with
"[redacted]"; exceptions are reduced to their type (tracebacks can hold local variables).

Rasa also logs through the standard library, where the message is a formatted string: e.g. the action
server's error body (rasa_sdk echoes the whole request, the tracker with every message) inside an
exception chain at ERROR, and the user's text in f-strings at DEBUG. safety.redaction's filter goes on
every handler of the root logger (security review, finding 8).
"""
from __future__ import annotations

from typing import Any, Dict

import structlog

from safety.redaction import REDACTED, install_stdlib_filter

SAFE_FIELDS = {"event", "level", "log_level", "event_info", "timestamp", "logger", "exc_type", "action_name",
               "action", "policy", "intent_name", "status", "status_code", "model", "model_id", "url", "count",
               "duration", "error_type", "placeholder_key"}


def redact_user_data(_logger: Any, _method: str, event_dict: Dict[str, Any]) -> Dict[str, Any]:
    exc = event_dict.pop("exc_info", None)
    if exc:
        error = exc if isinstance(exc, BaseException) else (exc[1] if isinstance(exc, tuple) else None)
        event_dict["exc_type"] = type(error).__name__ if error is not None else "unknown"
    event_dict.pop("exception", None)
    for key in list(event_dict):
        if key not in SAFE_FIELDS:
            event_dict[key] = REDACTED
    if isinstance(event_dict.get("event"), str) and not event_dict["event"].replace(".", "").replace("_", "").isalnum():
        event_dict["event"] = event_dict["event"][:80]  # free-text events stay short
    return event_dict


def apply() -> None:
    """Insert the processor into Rasa's structlog chain, in place, so loggers already bound use it too;
    put the stdlib filter on every handler that Rasa's logging set-up has installed on the root logger."""
    processors = structlog.get_config()["processors"]
    if redact_user_data not in processors:
        processors.insert(0, redact_user_data)
    install_stdlib_filter()
