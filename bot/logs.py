"""Logging for the front ends: one line per event, JSON when LOG_FORMAT=json (for log collectors),
plain text otherwise. Nothing here ever receives message text or user ids: callers log outcomes,
kinds, counts and timings only (see README "Privacy")."""
from __future__ import annotations

import json
import logging
import os
import time

STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
                "level": record.levelname, "service": self.service, "logger": record.name,
                "message": record.getMessage()}
        line.update({k: v for k, v in vars(record).items() if k not in STANDARD})
        if record.exc_info and record.exc_info[0] is not None:
            line["error_type"] = record.exc_info[0].__name__  # the type only: tracebacks can carry data
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(service: str) -> None:
    """LOG_FORMAT=json|text (default text), LOG_LEVEL (default INFO)."""
    handler = logging.StreamHandler()
    if os.environ.get("LOG_FORMAT", "text").lower() == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)  # httpx INFO lines carry the bot token in URLs
