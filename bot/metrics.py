"""Prometheus metrics of the front ends (Telegram bot, web chat): what operators need to see that
children are being answered. No label ever holds a message, a user or a chat.

Scraped from each process's ops server at /metrics (see bot/ops.py).
"""
from __future__ import annotations

from typing import Iterator

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from bot.ops import GAVE_UP, RUNNING, supervisor_status

MESSAGES = Counter("surokkha_messages_total", "Messages received from users, by kind (text, button, location, command, media)",
                   ["channel", "kind"])
REPLIES = Counter("surokkha_replies_total",
                  "Turns answered, by outcome: answered by Rasa, busy (shed under overload), unavailable (Rasa down or slow)",
                  ["channel", "outcome"])
REPLY_SECONDS = Histogram("surokkha_reply_seconds", "Time from a message arriving to its answer being ready",
                          ["channel"], buckets=(0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10))
ERRORS = Counter("surokkha_errors_total", "Failures, by where they happened (update handler, Telegram send, Rasa)",
                 ["where"])
RASA_UP = Gauge("surokkha_rasa_up", "1 if the Rasa server answered its last health check, else 0", ["replica"])
RASA_IN_FLIGHT = Gauge("surokkha_rasa_in_flight", "Requests being answered by Rasa right now")
RASA_QUEUED = Gauge("surokkha_rasa_queued", "Requests waiting for a free slot to Rasa")


class SupervisorCollector:
    """The supervised processes under `make run` (tools/stack.py), read from its status file at each
    scrape: restarts so far, and whether each is up or was given up after too many crashes."""

    def collect(self) -> Iterator[Metric]:
        restarts = CounterMetricFamily("surokkha_process_restarts", "Restarts of a process by the `make run` supervisor",
                                       labels=["service"])
        up = GaugeMetricFamily("surokkha_process_up", "1 while the supervised process runs", labels=["service"])
        gave_up = GaugeMetricFamily("surokkha_process_gave_up",
                                    "1 once the supervisor stopped restarting a process that kept crashing", labels=["service"])
        for key, info in supervisor_status().items():
            restarts.add_metric([key], float(info.get("restarts", 0)))
            up.add_metric([key], 1.0 if info.get("state") == RUNNING else 0.0)
            gave_up.add_metric([key], 1.0 if info.get("state") == GAVE_UP else 0.0)
        yield from (restarts, up, gave_up)


REGISTRY.register(SupervisorCollector())
