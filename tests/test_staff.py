"""Staff tools: the real python-telegram-bot client against the fake Bot API, a real SQLite directory.

Allowlist enforcement (every staff command, staff vs non-staff), unknown commands for everyone, /find
with an unverified row marked, /export then /import round trip through Telegram documents (all or
nothing, history under the staff hash; the dry run writes nothing), /coverage chart, the help built from
the command table, the CLI over the same table, the web chat's STAFF_TOKEN sessions (expiry, rotation),
and backoffice/access.py (sessions, CSRF, the login throttle).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from aiohttp import ClientSession, CookieJar, DummyCookieJar

from backoffice.access import StaffSessions
from backoffice.staff import COMMANDS, StaffCommand, StaffReply, help_text, main as staff_cli, parse_find
from bot.messages import messages
from bot.privacy import sender_id
from bot.webchat import COOKIE, create_app
from referral_directory import Directory
from tests.test_access import Clock
from tests.fake_telegram import FakeTelegram, start_bot, stop_bot
from tests.local_server import serve_app
from tests.stack import free_port

STAFF_COMMANDS = tuple(COMMANDS)

STAFF_USER = 555000111222
OTHER_USER = 555000333444
HEADER = ("id,name_en,name_bn,category,division,district,upazila,address,phone,hours,lat,lon,serves,source,"
          "verified,listed_on,confirmed_on,notes\n")
ROWS = ("staff-test-unverified,Unverified Test Shelter Jashore,যাচাইহীন আশ্রয় যশোর,shelter,Khulna,Jashore,,1 Test Road,"
        ",,23.17,89.21,children,staff test fixture,no,,,\n"
        "staff-test-verified,Verified Test Shelter Jashore,যাচাইকৃত আশ্রয় যশোর,shelter,Khulna,Jashore,,2 Test Road,"
        ",,23.16,89.20,children,staff test fixture,yes,2026-10-01,2026-11-20,\n")
UNKNOWN = messages()["unknown_command"]


@pytest.fixture
def directory_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'referral.db'}"
    path = tmp_path / "fixture.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    with Directory.open(url) as d:
        assert d.import_csv(path).ok
    return url


@pytest.fixture
async def telegram(directory_url: str, monkeypatch):
    """A running bot whose allowlist holds STAFF_USER only. Rasa is not needed here (a closed port)."""
    monkeypatch.setenv("STAFF_IDS", f" {sender_id('telegram', STAFF_USER)} , someotherhash")
    monkeypatch.delenv("STAFF_CHAT_ID", raising=False)
    fake = await FakeTelegram().start()
    app = await start_bot(fake, f"http://127.0.0.1:{free_port()}", directory_url=directory_url)
    yield fake
    await stop_bot(app)
    await fake.stop()


def test_hash_cli_prints_the_allowlist_entry(capsys) -> None:
    assert staff_cli(["hash", str(STAFF_USER)]) == 0
    assert capsys.readouterr().out.strip() == sender_id("telegram", STAFF_USER)
    assert staff_cli(["hash", "not-a-number"]) == 2
    capsys.readouterr()


@pytest.mark.parametrize("command", [f"/{c}" for c in STAFF_COMMANDS] + ["/find Jashore shelter"])
async def test_non_staff_get_unknown_command_for_every_staff_command(telegram: FakeTelegram, command: str) -> None:
    telegram.send_text(1, OTHER_USER, command)
    sent = await telegram.wait_for(1, 1)
    assert sent[0]["text"] == UNKNOWN
    assert not telegram.sent(1, "sendDocument") and not telegram.sent(1, "sendPhoto")


@pytest.mark.parametrize("command", [f"/{c}" for c in STAFF_COMMANDS])
async def test_staff_get_every_staff_command(telegram: FakeTelegram, command: str) -> None:
    telegram.send_text(2, STAFF_USER, command)
    if command == "/export":  # the answer is the file itself
        document = (await telegram.wait_for(2, 1, method="sendDocument"))[0]
        assert document["document"]["content"].decode("utf-8-sig").startswith("id,")
        assert not telegram.sent(2)
        return
    sent = await telegram.wait_for(2, 1)
    assert sent[0]["text"] != UNKNOWN and sent[0]["text"].strip()
    if command == "/coverage":
        photo = (await telegram.wait_for(2, 1, method="sendPhoto"))[0]
        assert photo["photo"]["content"].startswith(b"\x89PNG")


async def test_unknown_commands_get_a_polite_pointer_to_help_for_everyone(telegram: FakeTelegram) -> None:
    telegram.send_text(3, OTHER_USER, "/frobnicate")
    telegram.send_text(3, STAFF_USER, "/frobnicate now")
    sent = await telegram.wait_for(3, 2)
    assert [m["text"] for m in sent] == [UNKNOWN, UNKNOWN] and "/help" in UNKNOWN


async def test_staff_commands_are_not_advertised(telegram: FakeTelegram) -> None:
    advertised = {c["command"] for m, p in telegram.calls if m == "setMyCommands" for c in p["commands"]}
    assert advertised and not advertised & set(STAFF_COMMANDS)


async def test_staff_commands_in_a_group_are_not_run(telegram: FakeTelegram) -> None:
    telegram.send_text(-4, STAFF_USER, "/export", chat_type="group")
    telegram.send_text(-4, STAFF_USER, "@surokkha_test_bot hi", chat_type="group")
    await telegram.wait_for(-4, 1)  # the reply to the mention comes after the command was handled
    assert not telegram.sent(-4, "sendDocument")


async def test_find_shows_the_ranking_with_unverified_rows_marked(telegram: FakeTelegram) -> None:
    telegram.send_text(5, STAFF_USER, "/find Jashore shelter")
    text = (await telegram.wait_for(5, 1))[0]["text"]
    assert "Unverified Test Shelter Jashore" in text and "Verified Test Shelter Jashore" in text
    unverified_entry = text.split("Unverified Test Shelter Jashore")[0].rsplit("\n", 2)[-2]
    assert "UNVERIFIED - not shown to users" in unverified_entry
    assert "km" in text and "exact" in text and "staff test fixture" in text
    verified_entry = text.split("Verified Test Shelter Jashore /")[1].split("উৎস / source")[0]
    assert "listed: 2026-10-01 · নিশ্চিত / confirmed: 2026-11-20" in verified_entry
    unverified_block = text.split("Unverified Test Shelter Jashore /")[1].split("উৎস / source")[0]
    assert "listed: - · নিশ্চিত / confirmed: কখনো না / never" in unverified_block


async def test_find_explains_missing_category_and_unknown_or_ambiguous_places(telegram: FakeTelegram) -> None:
    telegram.send_text(6, STAFF_USER, "/find Jashore")
    telegram.send_text(6, STAFF_USER, "/find Qwertyville shelter")
    sent = await telegram.wait_for(6, 2)
    assert "legal_aid" in sent[0]["text"] and "counselling" in sent[0]["text"]  # the categories are listed
    assert "Qwertyville" in sent[1]["text"] and "not recognised" in sent[1]["text"]


def test_find_arguments_accept_multiword_places_and_categories() -> None:
    assert parse_find("Cox's Bazar legal aid") == ("Cox's Bazar", "legal_aid")
    assert parse_find("shelter Jashore") == ("Jashore", "shelter")
    assert parse_find("Jashore") == ("Jashore", None)


def exported(fake: FakeTelegram, chat_id: int) -> str:
    return fake.sent(chat_id, "sendDocument")[-1]["document"]["content"].decode("utf-8-sig")


def edit_hours(text: str, service_id: str, hours: str) -> bytes:
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        if row["id"] == service_id:
            row["hours"] = hours
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


async def test_export_then_import_round_trip_through_telegram_documents(telegram: FakeTelegram,
                                                                       directory_url: str) -> None:
    telegram.send_text(7, STAFF_USER, "/export")
    await telegram.wait_for(7, 1, method="sendDocument")
    text = exported(telegram, 7)
    assert "staff-test-unverified" in text and "Verified Test Shelter Jashore" in text

    # unchanged file: nothing changes
    telegram.send_document(7, STAFF_USER, text.encode("utf-8-sig"), "directory.csv", caption="/import")
    assert "0 changed" in (await telegram.wait_for(7, 1))[0]["text"]

    # one row edited in a spreadsheet, sent back with the caption /import
    telegram.send_document(7, STAFF_USER, edit_hours(text, "staff-test-verified", "9am-5pm, Sun-Thu"),
                           "directory.csv", caption="/import")
    reply = (await telegram.wait_for(7, 2))[1]["text"]
    assert "0 added, 1 changed" in reply
    with Directory.open(directory_url) as d:
        assert d.service("staff-test-verified").hours == "9am-5pm, Sun-Thu"
        change = d.history("staff-test-verified")[0]
    assert change["changed_by"] == sender_id("telegram", STAFF_USER)
    assert str(STAFF_USER) not in str(change)


async def test_import_as_a_reply_to_a_document_and_all_or_nothing(telegram: FakeTelegram, directory_url: str) -> None:
    telegram.send_text(8, STAFF_USER, "/export")
    await telegram.wait_for(8, 1, method="sendDocument")
    good = edit_hours(exported(telegram, 8), "staff-test-verified", "24 hours")
    bad = good.decode("utf-8-sig").replace("staff-test-unverified,Unverified Test Shelter Jashore,যাচাইহীন আশ্রয় যশোর,shelter",
                                           "staff-test-unverified,Unverified Test Shelter Jashore,যাচাইহীন আশ্রয় যশোর,spaceship")
    assert bad != good.decode("utf-8-sig")
    document = telegram.send_document(8, STAFF_USER, bad.encode("utf-8"), "bad.csv")  # no caption: not an import
    telegram.reply_text(8, STAFF_USER, "/import", to=document)
    replies = [m["text"] for m in await telegram.wait_for(8, 2)]  # the document alone gets the "text only" hint
    failed = [t for t in replies if "nothing was written" in t]
    assert len(failed) == 1 and "spaceship" in failed[0]
    with Directory.open(directory_url) as d:  # the valid edit in the same file was not written either
        assert d.service("staff-test-verified").hours != "24 hours"
    telegram.send_text(8, STAFF_USER, "/import")  # not a reply to a document
    assert "caption /import" in (await telegram.wait_for(8, 3))[-1]["text"]


async def test_non_staff_document_with_import_caption_changes_nothing(telegram: FakeTelegram, directory_url: str) -> None:
    content = (HEADER + ROWS.replace("2 Test Road", "Hijacked Road")).encode()
    telegram.send_document(9, OTHER_USER, content, "x.csv", caption="/import")
    assert (await telegram.wait_for(9, 1))[0]["text"] == UNKNOWN
    assert not [m for m, p in telegram.calls if m == "getFile"]
    with Directory.open(directory_url) as d:
        assert d.service("staff-test-verified").address == "2 Test Road"


async def test_web_chat_staff_token(directory_url: str, monkeypatch) -> None:
    monkeypatch.setenv("STAFF_TOKEN", "web-token-123")
    monkeypatch.setenv("DATABASE_URL", directory_url)
    async with serve_app(create_app(f"http://127.0.0.1:{free_port()}")) as base:
        url = f"{base}/api/message"
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as client:  # keeps the session cookie
            async def say(text: str) -> str:
                async with client.post(url, json={"text": text}) as resp:
                    return "\n".join(r.get("text") or "" for r in (await resp.json())["replies"])

            assert await say("/staff wrong-token") == UNKNOWN
            assert "UNVERIFIED" not in await say("/find Jashore shelter")  # not staff: went to Rasa (down here)
            assert "/find" in await say("/staff web-token-123")
            found = await say("/find Jashore shelter")
            assert "Unverified Test Shelter Jashore" in found and "UNVERIFIED - not shown to users" in found
        async with ClientSession() as other:  # another browser session is not staff
            async with other.post(url, json={"text": "/find Jashore shelter"}) as resp:
                assert "UNVERIFIED" not in str(await resp.json())


# -- one command table ---------------------------------------------------------------------------------

def commands_in(text: str) -> list[str]:
    return [line.split()[0].lstrip("/") for line in text.splitlines() if line.startswith("/")]


async def test_the_help_lists_exactly_the_command_table(telegram: FakeTelegram, monkeypatch) -> None:
    assert commands_in(help_text()) == list(COMMANDS)
    telegram.send_text(10, STAFF_USER, "/staff")
    assert (await telegram.wait_for(10, 1))[0]["text"] == help_text()  # Telegram shows the same list
    # a new command is one table entry: it is in the help at once
    monkeypatch.setitem(COMMANDS, "ping", StaffCommand("ping", "staff_help_staff", lambda request: StaffReply("pong")))
    assert commands_in(help_text()) == [*STAFF_COMMANDS, "ping"]


async def test_cli_find_prints_the_same_ranking_as_telegram(telegram: FakeTelegram, directory_url: str,
                                                           monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", directory_url)
    telegram.send_text(11, STAFF_USER, "/find Jashore legal_aid")
    in_telegram = (await telegram.wait_for(11, 1))[0]["text"]
    capsys.readouterr()
    assert staff_cli(["find", "Jashore", "legal_aid"]) == 0
    assert capsys.readouterr().out.rstrip("\n") == in_telegram
    assert "legal_aid" in in_telegram and "Legal Aid" in in_telegram


def test_cli_export_then_dry_run_import_writes_nothing_and_real_import_writes_as_cli(
        directory_url: str, monkeypatch, capsys, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", directory_url)
    exported_csv = tmp_path / "out" / "directory.csv"
    assert staff_cli(["export", str(exported_csv)]) == 0
    assert str(exported_csv) in capsys.readouterr().out
    edited = tmp_path / "edited.csv"
    edited.write_bytes(edit_hours(exported_csv.read_text(encoding="utf-8-sig"), "staff-test-verified", "8am-2pm"))
    assert staff_cli(["import", str(edited), "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert "1 would change" in dry and "~ staff-test-verified: hours" in dry and "8am-2pm" in dry
    with Directory.open(directory_url) as d:
        assert d.service("staff-test-verified").hours != "8am-2pm"
        assert [h["field"] for h in d.history("staff-test-verified")] == ["added"]  # the fixture's import only
    assert staff_cli(["import", str(edited)]) == 0
    assert "0 added, 1 changed" in capsys.readouterr().out
    with Directory.open(directory_url) as d:
        assert d.service("staff-test-verified").hours == "8am-2pm"
        assert d.history("staff-test-verified")[0]["changed_by"] == "cli"


async def test_import_dry_run_in_telegram_shows_the_change_and_writes_nothing(telegram: FakeTelegram,
                                                                              directory_url: str) -> None:
    telegram.send_text(12, STAFF_USER, "/export")
    await telegram.wait_for(12, 1, method="sendDocument")
    edited = edit_hours(exported(telegram, 12), "staff-test-verified", "10am-4pm")
    telegram.send_document(12, STAFF_USER, edited, "directory.csv", caption="/import dry")
    reply = (await telegram.wait_for(12, 1))[0]["text"]
    assert "dry run, nothing written: 0 would be added, 1 would change" in reply
    assert "~ staff-test-verified: hours" in reply and "→ 10am-4pm" in reply
    with Directory.open(directory_url) as d:
        assert d.service("staff-test-verified").hours != "10am-4pm"
        assert [h["field"] for h in d.history("staff-test-verified")] == ["added"]  # the fixture's import only
    document = telegram.send_document(12, STAFF_USER, edited, "directory.csv")  # the same, as a reply: --dry-run
    telegram.reply_text(12, STAFF_USER, "/import --dry-run", to=document)
    assert any("1 would change" in m["text"] for m in await telegram.wait_for(12, 3))
    with Directory.open(directory_url) as d:
        assert d.service("staff-test-verified").hours != "10am-4pm"


async def test_web_staff_session_expires_and_a_new_login_rotates_the_id(directory_url: str, monkeypatch) -> None:
    monkeypatch.setenv("STAFF_TOKEN", "web-token-456")
    monkeypatch.setenv("DATABASE_URL", directory_url)
    clock = Clock()
    app = create_app(f"http://127.0.0.1:{free_port()}")
    app["staff"].sessions = StaffSessions(hours=1, clock=clock)
    async with serve_app(app) as base:
        url = f"{base}/api/message"
        async with ClientSession(cookie_jar=DummyCookieJar()) as client:  # the test carries the cookie itself
            async def say(text: str, session: str) -> tuple[str, str]:
                """The reply's text, and the chat cookie to use next (the same unless the server set a new one)."""
                async with client.post(url, json={"text": text}, headers={"Cookie": f"{COOKIE}={session}"}) as resp:
                    replies = (await resp.json())["replies"]
                    cookie = resp.cookies.get(COOKIE)
                return "\n".join(r.get("text") or "" for r in replies), cookie.value if cookie else session

            planted = "planted-before-login-0123456789"
            welcome, first = await say("/staff web-token-456", planted)
            assert "1 hours" in welcome and "/find" in welcome and first != planted
            assert "UNVERIFIED" not in (await say("/find Jashore shelter", planted))[0]  # the old id is not staff
            assert "UNVERIFIED - not shown to users" in (await say("/find Jashore shelter", first))[0]
            assert "/staff/" in (await say("/import", first))[0]  # files: a pointer to the dashboard
            coverage, _ = await say("/coverage", first)
            pointer = messages()["staff_web_dashboard"].format(command="coverage")
            assert coverage.endswith(pointer) and coverage != pointer  # the text, then the pointer for the chart

            _, second = await say("/staff web-token-456", first)  # a second login: a new id, the old one ends
            assert second not in (first, planted)
            assert "UNVERIFIED" not in (await say("/find Jashore shelter", first))[0]
            assert "UNVERIFIED" in (await say("/find Jashore shelter", second))[0]

            clock.now += 3599
            assert "UNVERIFIED" in (await say("/find Jashore shelter", second))[0]
            clock.now += 2  # past the hour: the session has expired
            assert "UNVERIFIED" not in (await say("/find Jashore shelter", second))[0]
            assert (await say("/staff", second))[0] == UNKNOWN  # no token, no session: as for anyone


async def test_web_logins_are_throttled_after_five_wrong_tokens(directory_url: str, monkeypatch) -> None:
    monkeypatch.setenv("STAFF_TOKEN", "web-token-789")
    async with serve_app(create_app(f"http://127.0.0.1:{free_port()}")) as base:
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as client:
            async def say(text: str) -> str:
                async with client.post(f"{base}/api/message", json={"text": text}) as resp:
                    return (await resp.json())["replies"][0]["text"]

            assert [await say(f"/staff guess-{i}") for i in range(5)] == [UNKNOWN] * 5
            assert await say("/staff web-token-789") == UNKNOWN  # even the right token waits now
