"""The keyed sender hash: the one id every process uses for a person (Rasa's sender id, the conversation
store, the staff allowlist STAFF_IDS, the directory's change history). It is a format shared between
processes, so it has one home here; changing it would orphan every stored conversation and allowlist entry."""
from __future__ import annotations

import hashlib
import hmac
from typing import Optional

from contract.secrets import sender_id_secret


def sender_id(channel: str, user_id: object, secret: Optional[str] = None) -> str:
    """HMAC-SHA256 of the channel and user id. Without the secret it cannot be reversed or linked."""
    key = (secret or sender_id_secret()).encode()
    return hmac.new(key, f"{channel}:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]
