"""Input size limits shared by every entry point (Telegram, web chat, console, Rasa's REST webhook).

Why: work inside Rasa grows with the text (and fuzzy place matching grew with the square of a word's
length before it was capped), so no entry point passes on more than a Telegram message can hold.
"""
from __future__ import annotations

MAX_TEXT_CHARS = 4096  # Telegram's own limit for one message
MAX_PAYLOAD_CHARS = 1024  # a button payload or command; the bot's own are far shorter


def clip_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """``text`` cut to ``limit`` characters (the rest is dropped, never sent on)."""
    return text if len(text) <= limit else text[:limit]
