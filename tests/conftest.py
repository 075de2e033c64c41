"""Shared fixtures. The trained model is made once per run by `make test` (cached by content hash);
the servers that use it are started once per test session, never per test."""
from __future__ import annotations

import os
import uuid
import warnings

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
warnings.filterwarnings("ignore", category=DeprecationWarning)

from tests.stack import RasaStack  # noqa: E402


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory):
    """Real action server + Rasa server with the trained model, on free local ports."""
    stack = RasaStack(tmp_path_factory.mktemp("rasa")).start()
    yield stack
    stack.stop()


@pytest.fixture
def sender() -> str:
    """A fresh conversation id (already a hash-like opaque string, as the bot sends)."""
    return uuid.uuid4().hex
