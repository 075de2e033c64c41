"""What the Telegram bot keeps per chat, in memory only: the ids (never the text) of recent messages, so
that /exit can delete them, and the button payloads it offered (bot/buttons.py). Telegram lets a bot
delete messages for 48 hours; older ids and buttons are dropped, and so are chats left with nothing, so
memory follows recent chats, not every chat ever seen."""
from __future__ import annotations

import time
from collections import deque
from typing import Any, MutableMapping, Optional

from bot import buttons

DELETABLE_S = 48 * 3600  # the Bot API can delete messages up to 48 hours old
MAX_IDS_PER_CHAT = 1000


def remember(chat_data: MutableMapping[str, Any], message_id: Optional[int]) -> None:
    """Keep one message id of this chat (its text is never kept)."""
    if message_id is not None:
        chat_data.setdefault("message_ids", deque(maxlen=MAX_IDS_PER_CHAT)).append((message_id, time.time()))


def deletable_ids(chat_data: MutableMapping[str, Any], now: Optional[float] = None) -> list[int]:
    """Take this chat's ids that Telegram still lets us delete (and forget them all)."""
    now = time.time() if now is None else now
    return [mid for mid, at in chat_data.pop("message_ids", []) if now - at < DELETABLE_S]


def prune_chat_data(app: Any, now: Optional[float] = None) -> int:
    """Forget ids and buttons older than 48 h, and chats left with nothing; returns how many chats were dropped."""
    now = time.time() if now is None else now
    dropped = 0
    for chat_id, data in list(app.chat_data.items()):
        ids = data.get("message_ids")
        if ids:
            fresh = [(mid, at) for mid, at in ids if now - at < DELETABLE_S]
            ids.clear()
            ids.extend(fresh)
        buttons.prune(data, now)
        if not data.get("message_ids") and set(data) <= {"message_ids"}:
            app.drop_chat_data(chat_id)
            dropped += 1
    return dropped
