"""What the Telegram front end keeps in memory for all chats: python-telegram-bot's ``bot_data``, typed.

One attribute per thing instead of string keys, so a typo is an AttributeError at once rather than a
silent None. build_application fills it; handlers read ``context.bot_data.<name>``.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any, Optional

from backoffice.staff import DirectoryOnDemand


@dataclass
class BotState:
    rasa: Any = None                   # bot.rasa_bridge.RasaBridge
    conversations: Any = None          # backoffice.conversations.ConversationStore: /forget, /exit, retention
    rate_limiter: Any = None           # bot.ratelimit.RateLimiter, per user
    handoff: Any = None                # bot.handoff.HandoffDesk
    staff_ids: frozenset = frozenset()  # keyed hashes of the staff allowlist (STAFF_IDS, backoffice/access.py)
    directory: DirectoryOnDemand = field(default_factory=DirectoryOnDemand)  # opened on first staff use
    forget_pending: set = field(default_factory=set)  # senders whose /forget failed: retried every minute
    chat_locks: weakref.WeakValueDictionary = field(default_factory=weakref.WeakValueDictionary)  # per chat
    ops_port: Optional[int] = None     # /healthz, /readyz, /metrics (bot/ops.py); None = off
    ops: Any = None                    # the running ops server
    tasks: dict = field(default_factory=dict)  # name -> background asyncio.Task (retention, forget retry)
