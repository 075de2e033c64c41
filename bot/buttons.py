"""Inline buttons the bot issued: a tap can only send Rasa a payload the bot itself offered in that chat.

Why: Telegram's ``callback_data`` comes back from the user's app unchecked, so a forged button could
inject any intent (``/emergency`` even skips load shedding) or any entity. A signature appended to the
payload does not fit either: callback_data holds at most 64 bytes, and payloads such as
``/child_marriage_law{"item":"cm_kazi_age_proof"}`` or a Bangla place-picker payload already use (or
exceed) them.

The scheme: every payload the bot renders as a button is kept in memory in the chat's own table
(``chat_data``), under a short token that goes into callback_data instead of the payload: ``b.`` and
16 hex characters of an HMAC (per-process random key) over the chat id and the payload. A tap is
accepted only when its token is in the table of the chat it was tapped in; the payload then comes from
the table, never from the update. Anything else (a forged payload, another chat's token, a button from
before a bot restart, one older than BUTTON_TTL_S) gets the polite "this button has expired, please ask
again" and nothing reaches Rasa. The same payload in the same chat keeps its token, so a menu shown
many times takes one entry; each chat keeps at most MAX_BUTTONS_PER_CHAT, oldest dropped first.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from typing import Any, MutableMapping, Optional

TOKEN_PREFIX = "b."
MAX_BUTTONS_PER_CHAT = 256
BUTTON_TTL_S = 48 * 3600  # as long as the chat's message ids are kept (bot/chat_memory.py)
_KEY = secrets.token_bytes(32)  # per process: a restart invalidates every token, politely
TABLE = "buttons"  # the chat_data key


def token_for(chat_id: int, payload: str, key: bytes = _KEY) -> str:
    """The callback_data for ``payload`` in ``chat_id`` (18 ASCII bytes, well under Telegram's 64)."""
    digest = hmac.new(key, f"{chat_id}\0{payload}".encode(), hashlib.sha256).hexdigest()
    return TOKEN_PREFIX + digest[:16]


def issue(chat_data: MutableMapping[str, Any], chat_id: int, payload: str, now: Optional[float] = None) -> str:
    """Remember that the bot offered ``payload`` in this chat; returns the token to put in callback_data."""
    table: OrderedDict = chat_data.setdefault(TABLE, OrderedDict())
    token = token_for(chat_id, payload)
    table[token] = (payload, time.time() if now is None else now)
    table.move_to_end(token)
    while len(table) > MAX_BUTTONS_PER_CHAT:
        table.popitem(last=False)
    return token


def redeem(chat_data: MutableMapping[str, Any], data: Optional[str], now: Optional[float] = None) -> Optional[str]:
    """The payload behind a tapped button of this chat, or None when the bot never issued it here
    (forged, from another chat, expired, or from before a restart)."""
    entry = (chat_data.get(TABLE) or {}).get(data or "")
    if entry is None:
        return None
    payload, issued = entry
    if (time.time() if now is None else now) - issued > BUTTON_TTL_S:
        return None
    return payload


def prune(chat_data: MutableMapping[str, Any], now: Optional[float] = None) -> None:
    """Drop this chat's buttons older than BUTTON_TTL_S (and the table once empty)."""
    table = chat_data.get(TABLE)
    if table is None:
        return
    now = time.time() if now is None else now
    for token in [t for t, (_, issued) in table.items() if now - issued > BUTTON_TTL_S]:
        del table[token]
    if not table:
        chat_data.pop(TABLE, None)
