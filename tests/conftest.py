"""Shared fixtures. The trained model is made once per run by `make test` (cached by content hash);
the servers that use it are started once per test session, never per test."""
from __future__ import annotations

import os
import uuid
import warnings

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")  # Rasa 3.6 pins SQLAlchemy 1.4 and knows it
warnings.filterwarnings("ignore", category=DeprecationWarning)
with warnings.catch_warnings():  # pinned dependencies' import-time deprecation notices (old packaging on
    warnings.simplefilter("ignore")  # pyparsing 3.3, pkg_resources, SQLAlchemy 2.0): once, here, silently
    import packaging.requirements  # noqa: E402,F401
    import rasa.core.tracker_store  # noqa: E402,F401
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


# -- unit tests and end-to-end tests ------------------------------------------------------------------------
# End-to-end tests need the trained model or start real servers (Rasa and the action server, the bot against
# the fake Bot API, Chromium, `make run`). `make test` runs everything (CI too); `make test-fast` runs the rest,
# `pytest -m "not e2e"`, in well under a minute and without training.
E2E_FIXTURES = {"rasa_stack", "replicas"}
E2E_MODULES = {"test_supervisor", "test_scale_out", "test_stories", "test_webchat", "test_telegram",
               "test_telegram_security", "test_staff", "test_handoff", "test_conversation", "test_referral_conversation",
               "test_operations", "test_secrets", "test_input_limits", "test_rasa_speedups", "test_language",
               "test_privacy"}


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if E2E_FIXTURES & set(getattr(item, "fixturenames", ())) or module in E2E_MODULES:
            item.add_marker(pytest.mark.e2e)
