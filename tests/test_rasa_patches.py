"""Our patches inside Rasa (rasa_patches/): applied only to the Rasa version they were written for, only
when every patched attribute exists, and each one on a path that Rasa itself calls (driven here through
Rasa's own entry points, with the patched function spied on, not called directly)."""
from __future__ import annotations

import asyncio

import pytest
from jsonschema import ValidationError

import rasa_patches
from rasa_patches import log_privacy, templates

rasa_patches.apply_all()


def spy(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list:
    """Wrap owner.name (the patched function) to record its calls; returns the call list."""
    calls: list = []
    original = getattr(owner, name)
    wrapped = original.__func__ if isinstance(original, staticmethod) else original

    def recorder(*args, **kwargs):
        calls.append(args)
        return wrapped(*args, **kwargs)

    monkeypatch.setattr(owner, name, staticmethod(recorder) if isinstance(original, staticmethod) else recorder)
    return calls


def test_a_rasa_without_a_patched_attribute_or_of_another_version_is_refused(monkeypatch) -> None:
    import rasa
    from rasa.core.channels.rest import RestInput

    rasa_patches.check_targets()  # the pinned Rasa passes
    monkeypatch.delattr(RestInput, "_extract_message")
    with pytest.raises(RuntimeError, match="RestInput._extract_message not found"):
        rasa_patches.check_targets()
    monkeypatch.undo()
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RuntimeError, match="written for Rasa 3.6.21"):
        rasa_patches.check_targets()


def test_rasa_validates_an_action_result_with_the_compiled_schema_and_stock_errors(monkeypatch) -> None:
    from rasa.core.actions.action import RemoteAction

    assert RemoteAction._validate_action_result.__module__ == "rasa_patches.speedups"
    calls = spy(monkeypatch, RemoteAction, "_validate_action_result")
    from aiohttp import web
    from rasa.core.channels import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from tests.local_server import serve

    bodies = iter([{"events": [{"event": "slot", "name": "language", "value": "en"}], "responses": []},
                   {"events": "not a list", "responses": []}])

    async def action_server(_request: web.Request) -> web.Response:
        return web.json_response(next(bodies))

    async def run_twice() -> list:
        domain = Domain.from_dict({"slots": {"language": {"type": "text", "mappings": [{"type": "custom"}]}}})
        tracker = DialogueStateTracker("s", domain.slots)
        outcomes = []
        async with serve(action_server) as url:
            action = RemoteAction("action_x", EndpointConfig(url))
            for _ in range(2):
                try:
                    outcomes.append(await action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}),
                                                     tracker, domain))
                except Exception as exc:  # noqa: BLE001 (what Rasa raises is the point)
                    outcomes.append(exc)
        return outcomes

    good, bad = asyncio.run(run_twice())
    assert len(calls) == 2 and [e.key for e in good] == ["language"]
    assert isinstance(bad, ValidationError) and "Failed to validate Action server response" in bad.message


def test_rasa_loads_stored_events_through_the_lookup_table(monkeypatch) -> None:
    import rasa.shared.core.events as events
    from rasa.shared.core.trackers import DialogueStateTracker

    assert events.Event.resolve_by_type.__module__ == "rasa_patches.speedups"
    calls = spy(monkeypatch, events.Event, "resolve_by_type")
    dumped = [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": 1.0}}},
              {"event": "slot", "name": "language", "value": "en"}]
    tracker = DialogueStateTracker.from_dict("s", dumped)
    assert [type(e).__name__ for e in tracker.events] == ["UserUttered", "SlotSet"] and len(calls) >= 2


def test_rasa_fills_response_templates_with_our_interpolator(monkeypatch) -> None:
    from rasa.core.nlg import interpolator
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    assert interpolator.interpolate_text is templates.interpolate_text
    calls = spy(monkeypatch, interpolator, "interpolate_text")
    domain = Domain.from_dict({"slots": {"name": {"type": "text", "mappings": [{"type": "custom"}]}},
                               "responses": {"utter_x": [{"text": "hello {name}", "buttons": [
                                   {"title": "EN", "payload": '/set_language{"language": "en"}'}]}]}})
    tracker = DialogueStateTracker.from_dict("s", [{"event": "slot", "name": "name", "value": "Mitu"}], domain.slots)
    out = asyncio.run(TemplatedNaturalLanguageGenerator(domain.responses).generate("utter_x", tracker, "rest"))
    assert out["text"] == "hello Mitu" and out["buttons"][0]["payload"] == '/set_language{"language": "en"}'
    assert calls  # Rasa's response filling went through the patched function


def test_rasa_structlog_events_pass_our_redaction() -> None:
    import structlog

    assert structlog.get_config()["processors"][0] is log_privacy.redact_user_data
