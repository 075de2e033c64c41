"""Keeps children's words out of standard-library log records, in every process that logs them.

Rasa and rasa_sdk log through the standard library, where the message is already a formatted string:
rasa_sdk answers an action's exception with a body that echoes the whole request (the tracker, with every
message), and Rasa logs that body inside an exception chain at ERROR; Rasa's f-strings carry the user's
text at DEBUG. A filter on every root handler (RedactRecords) reduces exceptions to their type names and
replaces what may carry user data: string arguments that are not identifier-like, quoted passages and
bracketed structures of a formatted message, and any word in non-Latin script (security review,
finding 8). It is a heuristic: single unquoted English words in a DEBUG f-string can pass; INFO and above
are what production runs at.
"""
from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"
# What may stay of a formatted message: identifier-like words (action and intent names, URLs, numbers).
_SAFE_ARG = re.compile(r"[\w.:/@-]{0,80}\Z", re.ASCII)
# Quoted passages and bracketed structures ({...}, [...]) that hold a space, where f-strings put values.
_RISKY_PARTS = re.compile(r"""(?<!\w)'[^'\n]*\s[^'\n]*'(?!\w)|(?<!\w)"[^"\n]*\s[^"\n]*"(?!\w)"""
                          r"""|\{[^{}]*\}|\[[^\[\]]*\s[^\[\]]*\]""")
MAX_MESSAGE_CHARS = 300


def redact_message(message: str) -> str:
    """A formatted log message with the parts that may carry user data replaced, and capped in length."""
    previous = None
    while previous != message:  # nested structures: replace from the inside out
        previous, message = message, _RISKY_PARTS.sub(REDACTED, message)
    if any(ord(ch) > 0x7F for ch in message):  # non-ASCII (Bangla) text is never code-authored here
        message = re.sub(r"\S*[^\x00-\x7F]\S*", REDACTED, message)
    return message[:MAX_MESSAGE_CHARS]


def _safe_arg(value: Any) -> Any:
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return value if isinstance(value, str) and _SAFE_ARG.match(value) else REDACTED


class RedactRecords(logging.Filter):
    """Redacts a standard-library log record in place (see the module docstring); never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "surokkha_redacted", False):
            return True  # a record reaches several handlers; redact once
        record.surokkha_redacted = True
        errors = []
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            while error is not None and len(errors) < 5:
                errors.append(type(error).__name__)
                error = error.__cause__ or error.__context__
        template = record.msg if isinstance(record.msg, str) else REDACTED
        if isinstance(record.args, dict):
            args: Any = {key: _safe_arg(value) for key, value in record.args.items()}
        else:
            args = tuple(_safe_arg(value) for value in (record.args or ()))
        try:
            message = template % args if args else template
        except (TypeError, ValueError, KeyError):
            message = template
        message = redact_message(message)
        if errors:  # exception types only: their messages and tracebacks can hold the tracker
            message += f" ({' from '.join(errors)})"
        record.msg, record.args = message, ()
        record.exc_info = record.exc_text = record.stack_info = None
        return True


REDACT_RECORDS = RedactRecords()


def install_stdlib_filter() -> None:
    """Every root handler gets the filter; without any, a stderr handler with it is added (records still
    reach stderr through logging's last resort otherwise, unfiltered)."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        if REDACT_RECORDS not in handler.filters:
            handler.addFilter(REDACT_RECORDS)
