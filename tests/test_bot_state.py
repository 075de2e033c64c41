"""The Telegram front end keeps its shared state in one typed object (bot/state.py), not string keys."""
from __future__ import annotations

import pytest

from bot.state import BotState


def test_the_application_state_is_one_typed_object(tmp_path) -> None:
    from bot.telegram_app import build_application

    app = build_application("123456:TEST", base_url="http://127.0.0.1:9/bot",
                            tracker_db_url=f"sqlite:///{tmp_path / 'tracker.db'}")
    state = app.bot_data
    assert isinstance(state, BotState)
    assert state.rasa is not None and state.conversations is not None and state.rate_limiter is not None
    assert state.handoff is not None and not state.directory.is_open and state.forget_pending == set()
    with pytest.raises(AttributeError):
        state.rasa_bridge  # a misspelt name fails at once instead of reading None  # noqa: B018
