"""Pseudonymous sender ids: Rasa and every log see a keyed hash, never a Telegram user id."""
from __future__ import annotations

import hashlib
import hmac

from bot.settings import sender_id_secret


def sender_id(channel: str, user_id: object, secret: str | None = None) -> str:
    """HMAC-SHA256 of the channel and user id. Without the secret it cannot be reversed or linked."""
    key = (secret or sender_id_secret()).encode()
    return hmac.new(key, f"{channel}:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]
