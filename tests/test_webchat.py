"""The local web chat: its API through the same bridge, and a real headless Chromium using the page."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot.privacy import sender_id
from bot.webchat import COOKIE, create_app
from tests.browser import CHROMIUM, Chromium
from tests.local_server import serve_app
from tests.stack import RasaStack, free_port


@pytest.fixture
async def webchat(rasa_stack: RasaStack):
    async with serve_app(create_app(rasa_stack.url)) as base:
        yield base


async def test_api_replies_and_keeps_a_pseudonymous_session(webchat: str, rasa_stack: RasaStack) -> None:
    async with ClientSession() as client:
        async with client.post(f"{webchat}/api/message", json={"text": "amake bachao"}) as resp:
            replies = (await resp.json())["replies"]
            session = resp.cookies[COOKIE].value
        assert all(n in replies[0]["text"] for n in ("999", "109", "1098"))
        async with client.post(f"{webchat}/api/message", json={"text": ""}) as resp:
            assert "menu" in (await resp.json())["replies"][0]["text"]
    assert rasa_stack.tracker(sender_id("web", session))["events"]


async def test_rasa_down_still_answers_with_the_numbers() -> None:
    async with serve_app(create_app(f"http://127.0.0.1:{free_port()}")) as base:
        async with ClientSession() as client:
            async with client.post(f"{base}/api/message", json={"text": "hello"}) as resp:
                assert "1098" in (await resp.json())["replies"][0]["text"]


async def test_the_web_chat_serves_the_dashboard_and_keeps_messages_small(monkeypatch) -> None:
    """The staff dashboard at /staff/ and the partner export (off without PARTNER_TOKENS) share the web chat's
    server; the app accepts a staff CSV upload, but a chat message stays limited to 64 KB."""
    monkeypatch.setenv("STAFF_TOKEN", "web-chat-dashboard-token")
    monkeypatch.delenv("PARTNER_TOKENS", raising=False)
    async with serve_app(create_app(f"http://127.0.0.1:{free_port()}")) as base, ClientSession() as client:
        async with client.get(f"{base}/staff/trends", allow_redirects=False) as resp:
            assert resp.status == 302 and resp.headers["Location"].startswith("/staff/login")
        async with client.get(f"{base}/staff/login") as resp:
            assert resp.status == 200 and 'name="token"' in await resp.text()
        async with client.get(f"{base}/partners/v1/weekly.csv") as resp:
            assert resp.status == 404
        async with client.post(f"{base}/api/message", data=b'{"text": "' + b"a" * 70_000 + b'"}',
                               headers={"Content-Type": "application/json"}) as resp:
            assert resp.status == 413


BOT_TEXT = "[...document.querySelectorAll('.msg.bot')].map(e => e.textContent).join('\\n')"


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is installed by `make test` (apt package chromium)")
async def test_a_person_can_chat_in_the_browser(webchat: str, tmp_path: Path) -> None:
    browser = await Chromium().start()
    try:
        await browser.grant_geolocation(webchat)
        page = await browser.open(webchat)
        await page.wait_for(f"{BOT_TEXT}.includes('999')")  # the greeting
        await page.eval("document.getElementById('text').value = 'legal aid office in jessore';"
                        "document.getElementById('send').click()")
        await page.wait_for(f"{BOT_TEXT}.includes('District Legal Aid Office, Jashore')")
        assert await page.eval("!!document.querySelector('a[href=\"tel:1098\"]')")  # phone numbers are tappable

        await page.eval("[...document.querySelectorAll('.buttons button')].find(b => b.textContent.includes('Medical')).click()")
        await page.wait_for(f"{BOT_TEXT}.includes('One-Stop Crisis Centres and medical help to Jashore')")  # same place
        await page.eval("[...document.querySelectorAll('.buttons button')].filter(b => b.textContent.includes('different place')).pop().click()")
        await page.wait_for("!!document.querySelector('button.geo')")
        await page.call("Emulation.setGeolocationOverride", latitude=22.82, longitude=89.55, accuracy=50)
        await page.eval("[...document.querySelectorAll('button.geo')].pop().click()")
        await page.wait_for(f"{BOT_TEXT}.includes('Khulna Medical College Hospital')")

        await page.eval("[...document.querySelectorAll('.buttons button')].find(b => b.textContent === 'Sylhet').click()")
        await page.wait_for(f"{BOT_TEXT}.includes('Choose your district in Sylhet')")
        await page.screenshot(tmp_path / "webchat.png")
        assert (tmp_path / "webchat.png").stat().st_size > 10_000
    finally:
        await browser.stop()
