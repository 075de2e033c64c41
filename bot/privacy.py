"""Pseudonymous sender ids: Rasa and every log see a keyed hash, never a Telegram user id.
The format lives in contract/identity.py (the back office computes the same hashes); this is its name in bot/."""
from __future__ import annotations

from contract.identity import sender_id

__all__ = ["sender_id"]
