"""A length cap on the text Rasa's REST webhook accepts (POST /webhooks/rest/webhook).

Why: the webhook had no cap, and work inside Rasa grows with the text. Every front end already cuts
messages to contract.limits.MAX_TEXT_CHARS (Telegram's own limit); this holds for anything else that posts
to the webhook too. Longer text is cut, not refused, so a long message still gets its answer (and a
crisis phrase at its start still gets the emergency numbers).
"""
from __future__ import annotations

from typing import Any, Optional

from contract.limits import MAX_TEXT_CHARS, clip_text


def apply() -> None:
    """Wrap RestInput._extract_message (checked to exist: a Rasa upgrade that renames it fails loudly)."""
    from rasa.core.channels.rest import RestInput

    original = getattr(RestInput, "_extract_message", None)
    if original is None or not callable(original):
        raise RuntimeError("rasa_patches.input_limits: RestInput._extract_message not found in this Rasa version")
    if getattr(original, "_clipped", False):
        return

    def extract_message(self: RestInput, req: Any) -> Optional[str]:
        text = original(self, req)
        return clip_text(text, MAX_TEXT_CHARS) if isinstance(text, str) else text

    extract_message._clipped = True  # type: ignore[attr-defined]
    RestInput._extract_message = extract_message
