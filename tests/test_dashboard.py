"""The staff dashboard over real HTTP (aiohttp server and client), on a real SQLite directory and a real
SQLite tracker store written by Rasa's own SQLTrackerStore: access control, trends with suppression,
coverage, the stale list, the directory search, and export then import with a preview."""
from __future__ import annotations

import asyncio
import csv
import datetime as dt
import html
import io
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from aiohttp import ClientSession, CookieJar, FormData, web
from sqlalchemy import select

from backoffice.access import LoginThrottle, StaffSessions
from backoffice.dashboard import PREFIX, Dashboard, mount
from backoffice.dashboard.common import COOKIE, host_name
from backoffice.dashboard.html import TEXTS_FILE
from backoffice.reports import today
from backoffice.trends import week_of
from referral_directory import Directory
from referral_directory.models import ServiceHistory
from tests.browser import CHROMIUM, Chromium, Page
from tests.local_server import serve_app
from tests.test_trends import Tracker, at

TOKEN = "dashboard-test-token-0123456789abcdef"
LAST_FINAL_WEEK = week_of(today()) - dt.timedelta(days=14)  # finalised whatever the time of day


@dataclass
class Server:
    url: str
    dashboard: Dashboard
    directory_url: str

    def session(self) -> ClientSession:
        return ClientSession(cookie_jar=CookieJar(unsafe=True))  # unsafe: cookies for 127.0.0.1

    async def login(self, client: ClientSession) -> None:
        async with client.post(f"{self.url}{PREFIX}/login", data={"token": TOKEN}, allow_redirects=False) as resp:
            assert resp.status == 303, await resp.text()

    async def upload(self, client: ClientSession, csv_text: str) -> tuple[str, str]:
        """Upload a CSV through the import form as a browser would: (the preview page, the form token)."""
        async with client.get(f"{self.url}{PREFIX}/import") as resp:
            csrf = re.search(r'name="csrf" value="([^"]+)"', await resp.text()).group(1)
        form = FormData()
        form.add_field("csrf", csrf)
        form.add_field("file", csv_text.encode("utf-8"), filename="upload.csv", content_type="text/csv")
        async with client.post(f"{self.url}{PREFIX}/import", data=form) as resp:
            return await resp.text(), csrf


def dashboard_app(dashboard: Dashboard) -> web.Application:
    app = web.Application(client_max_size=6 * 1024 * 1024)
    mount(app, dashboard)
    return app


@pytest.fixture
async def trend_tracker(tmp_path: Path) -> Tracker:
    """Finished-week conversations: 6 in Khulna and 4 in Bhola about trafficking, 7 in Dhaka about child marriage."""
    tracker = Tracker(tmp_path / "tracker.db")
    ts = at(LAST_FINAL_WEEK + dt.timedelta(days=2))
    await tracker.crowd(6, "trafficking_info", "place:district:Khulna", ts)
    await tracker.crowd(4, "trafficking_signs", "place:district:Bhola", ts)
    await tracker.crowd(7, "child_marriage_law", "place:district:Dhaka", ts)
    return tracker


@pytest.fixture
async def server(tmp_path: Path, trend_tracker: Tracker):
    directory_url = f"sqlite:///{tmp_path / 'referral.db'}"
    Directory.open(directory_url).close()  # migrate and seed once, as the action server would
    dashboard = Dashboard(directory_url=directory_url, tracker_db=trend_tracker.url, token=TOKEN)
    async with serve_app(dashboard_app(dashboard)) as url:
        yield Server(url, dashboard, directory_url)


def exported_now(directory_url: str) -> str:
    with Directory.open(directory_url) as directory:
        out = io.StringIO()
        directory.export_csv(out)
    return out.getvalue()


def visible_text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def table_text(page: str, css: str) -> str:
    """The visible text of the page's table of that class (not the filters around it)."""
    found = re.search(rf'<table class="{css}">(.*?)</table>', page, re.S)
    assert found, f"no table.{css}"
    return visible_text(found.group(1))


# -- access ----------------------------------------------------------------------------------------------

def test_host_names_are_read_without_ports() -> None:
    assert [host_name(h) for h in ("127.0.0.1:8080", "LOCALHOST", "[::1]:8090", "::1", "dash.example.org:443")] == [
        "127.0.0.1", "localhost", "::1", "::1", "dash.example.org"]


async def test_pages_need_a_login_and_a_known_host(server: Server) -> None:
    async with server.session() as client:
        async with client.get(f"{server.url}{PREFIX}/trends", allow_redirects=False) as resp:
            assert resp.status == 302 and resp.headers["Location"].startswith(f"{PREFIX}/login?next=")
        async with client.get(f"{server.url}{PREFIX}/export.csv", allow_redirects=False) as resp:
            assert resp.status == 302  # no directory without a session
        async with client.get(f"{server.url}{PREFIX}/login", headers={"Host": "attacker.example"}) as resp:
            assert resp.status == 421  # DNS rebinding: another site's name pointing at this server
        async with client.get(f"{server.url}{PREFIX}/login") as resp:
            assert resp.status == 200
            assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
            assert resp.headers["Cache-Control"] == "no-store"


async def test_login_sets_a_strict_expiring_cookie_and_rotates_the_session(server: Server) -> None:
    async with server.session() as client:
        async with client.post(f"{server.url}{PREFIX}/login", data={"token": "wrong"}, allow_redirects=False) as resp:
            assert resp.status == 401 and COOKIE not in resp.cookies
        async with client.post(f"{server.url}{PREFIX}/login", data={"token": TOKEN}, allow_redirects=False) as resp:
            assert resp.status == 303
            cookie = resp.cookies[COOKIE]
            first = cookie.value
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == PREFIX
        assert int(cookie["max-age"]) == server.dashboard.sessions.max_age_s() > 0
        async with client.get(f"{server.url}{PREFIX}/trends", allow_redirects=False) as resp:
            assert resp.status == 200
        await server.login(client)  # a second login issues a new id and ends the first
        second = client.cookie_jar.filter_cookies(f"{server.url}{PREFIX}/")[COOKIE].value
    assert first != second
    assert not server.dashboard.sessions.valid(first) and server.dashboard.sessions.valid(second)


async def test_an_expired_session_is_sent_back_to_the_login(server: Server) -> None:
    now = [1_000_000.0]
    server.dashboard.sessions = StaffSessions(hours=1, clock=lambda: now[0])
    async with server.session() as client:
        await server.login(client)
        async with client.get(f"{server.url}{PREFIX}/coverage", allow_redirects=False) as resp:
            assert resp.status == 200
        now[0] += 3601
        async with client.get(f"{server.url}{PREFIX}/coverage", allow_redirects=False) as resp:
            assert resp.status == 302 and "/login" in resp.headers["Location"]


async def test_logins_are_throttled_after_five_wrong_tokens(server: Server) -> None:
    server.dashboard.throttle = LoginThrottle(allowed=5, window_s=600)
    async with server.session() as client:
        for _ in range(5):
            async with client.post(f"{server.url}{PREFIX}/login", data={"token": "guess"}) as resp:
                assert resp.status == 401
        async with client.post(f"{server.url}{PREFIX}/login", data={"token": TOKEN}, allow_redirects=False) as resp:
            assert resp.status == 429  # even the right token waits: a guesser cannot tell which was right
            assert "10 minutes" in visible_text(await resp.text())


async def test_forms_that_change_data_need_the_session_token(server: Server) -> None:
    async with server.session() as client:
        await server.login(client)
        async with client.post(f"{server.url}{PREFIX}/import/apply", data={"upload": "x"}) as resp:
            assert resp.status == 403
        async with client.post(f"{server.url}{PREFIX}/logout", data={"csrf": "forged"}) as resp:
            assert resp.status == 403
        async with client.get(f"{server.url}{PREFIX}/trends", allow_redirects=False) as resp:
            assert resp.status == 200  # still logged in: the forged logout did nothing


async def test_no_staff_token_means_no_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STAFF_TOKEN", raising=False)
    async with serve_app(dashboard_app(Dashboard(directory_url=f"sqlite:///{tmp_path / 'r.db'}"))) as url, \
            ClientSession() as client:
        async with client.get(f"{url}{PREFIX}/login") as resp:
            assert "no STAFF_TOKEN" in await resp.text()
        async with client.post(f"{url}{PREFIX}/login", data={"token": ""}) as resp:
            assert resp.status == 401


# -- what staff see -------------------------------------------------------------------------------------

async def test_trends_show_finished_weeks_with_small_cells_suppressed(server: Server) -> None:
    async with server.session() as client:
        await server.login(client)
        async with client.get(f"{server.url}{PREFIX}/trends?weeks=4") as resp:
            page = await resp.text()
        assert "<svg" in page and 'data-topic="trafficking"' in page and 'data-topic="child_marriage"' in page
        shown = table_text(page, "trends")
        assert f"{LAST_FINAL_WEEK.isoformat()} Trafficking Khulna 6" in shown
        assert f"{LAST_FINAL_WEEK.isoformat()} Child marriage Dhaka 7" in shown
        assert "Bhola" not in shown and "Other" not in shown  # 4 conversations: never shown, not even as "other"

        async with client.get(f"{server.url}{PREFIX}/trends?weeks=4&topic=child_marriage&lang=bn") as resp:
            page = await resp.text()
        shown = table_text(page, "trends")
        assert 'data-topic="trafficking"' not in page and "বাল্যবিবাহ ঢাকা ৭" in shown and "খুলনা" not in shown
        async with client.get(f"{server.url}{PREFIX}/trends") as resp:  # the language is remembered
            assert '<html lang="bn">' in await resp.text()

        async with client.get(f"{server.url}{PREFIX}/trends.csv?weeks=4&district=Khulna") as resp:
            rows = list(csv.DictReader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
        assert [(r["topic"], r["district"], r["conversations"], r["week_status"]) for r in rows] == [
            ("trafficking", "Khulna", "6", "final")]


async def test_coverage_stale_and_search_show_what_staff_must_act_on(server: Server) -> None:
    with Directory.open(server.directory_url) as directory:
        stale = directory.stale()
        coverage = directory.coverage()
    async with server.session() as client:
        await server.login(client)
        async with client.get(f"{server.url}{PREFIX}/coverage") as resp:
            page = await resp.text()
        assert page.count('class="cov ') == 3 + coverage["total_districts"] * len(coverage["categories"])  # + legend
        async with client.get(f"{server.url}{PREFIX}/stale?district=Jashore") as resp:
            text = visible_text(await resp.text())
        jashore = [x for x in stale if x["district"] == "Jashore"]
        assert jashore and all(x["name"] in text for x in jashore[:50])
        assert f"{len(stale)} entries" in text
        with_phone = next(x for x in stale if x["phones"])
        async with client.get(f"{server.url}{PREFIX}/stale?reason={with_phone['reason']}&district={with_phone['district']}") as resp:
            assert f'href="tel:{with_phone["phones"][0].replace(" ", "")}"' in await resp.text()

        async with client.get(f"{server.url}{PREFIX}/find?place=Jashore&category=legal_aid") as resp:
            text = visible_text(await resp.text())
        assert "1. District Legal Aid Office, Jashore" in text
        async with client.get(f"{server.url}{PREFIX}/find?place=Nowhereland&category=shelter") as resp:
            assert 'No place called "Nowhereland"' in visible_text(await resp.text())


async def test_import_shows_the_changes_first_and_writes_only_on_apply(server: Server) -> None:
    async with server.session() as client:
        await server.login(client)
        async with client.get(f"{server.url}{PREFIX}/export.csv") as resp:
            assert resp.headers["Content-Disposition"].startswith("attachment;")
            exported = (await resp.read()).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(exported)))
        target = next(r for r in rows if r["district"] == "Jashore" and r["category"] == "legal_aid")
        target["notes"] = "Phoned on a test: office open Sunday to Thursday"
        edited = io.StringIO()
        writer = csv.DictWriter(edited, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

        preview, csrf = await server.upload(client, edited.getvalue())
        text = visible_text(preview)
        assert "nothing has been written yet" in text and "0 new, 1 changed" in text
        assert target["id"] in text and "Phoned on a test" in text
        assert "Phoned on a test" not in exported_now(server.directory_url)  # the preview wrote nothing
        upload = re.search(r'name="upload" value="([^"]+)"', preview).group(1)
        async with client.post(f"{server.url}{PREFIX}/import/apply", data={"csrf": csrf, "upload": upload}) as resp:
            assert "Written: 0 new, 1 changed" in visible_text(await resp.text())
        async with client.post(f"{server.url}{PREFIX}/import/apply", data={"csrf": csrf, "upload": upload}) as resp:
            assert resp.status == 410  # one upload, one write
    assert "Phoned on a test" in exported_now(server.directory_url)
    with Directory.open(server.directory_url) as directory:
        with directory.engine.connect() as conn:
            history = conn.execute(select(ServiceHistory.__table__).where(
                ServiceHistory.__table__.c.service_id == target["id"])).mappings().all()
    assert [(h["field"], h["changed_by"]) for h in history] == [("notes", "dashboard")]


async def test_an_invalid_file_lists_its_problems_and_offers_no_apply(server: Server) -> None:
    async with server.session() as client:
        await server.login(client)
        bad = ("id,name_en,name_bn,category,division,district,upazila,address,phone,hours,lat,lon,serves,source,"
               "verified,listed_on,confirmed_on,notes\n"
               "x-1,=HYPERLINK(\"http://evil\"),,shelter,Khulna,Jashore,,,,,,,children,test,no,,,\n")
        page, _ = await server.upload(client, bad)
        assert "problems" in visible_text(page) and "import/apply" not in page


def test_every_text_has_both_languages_and_the_same_placeholders() -> None:
    texts = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    for key, value in texts.items():
        assert set(value) == {"en", "bn"}, key
        assert set(re.findall(r"\{(\w+)\}", value["en"])) == set(re.findall(r"\{(\w+)\}", value["bn"])), key


# -- in a real browser ------------------------------------------------------------------------------------

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def loaded(ready: str) -> str:
    """``ready`` on a new, fully parsed page. After a click or a navigation the old page, marked
    by ``leave``, or a half-parsed new one can satisfy a condition on the address or on <html> alone."""
    return f"!window.leftBehind && document.readyState === 'complete' && ({ready})"


async def leave(page: Page, action: str) -> None:
    """Mark the page being left, then run ``action`` (a click that loads another page)."""
    await page.eval(f"window.leftBehind = true; {action}")


async def navigate(page: Page, address: str, ready: str) -> None:
    await page.eval("window.leftBehind = true")
    await page.call("Page.navigate", url=address)
    await page.wait_for(loaded(ready))


async def shot(page: Page, tmp_path: Path, name: str) -> None:
    """Into tmp_path; with DOCS_SCREENSHOTS=1, into docs/screenshots/ too (the README shows them)."""
    await page.screenshot(tmp_path / name)
    assert (tmp_path / name).stat().st_size > 10_000
    if os.environ.get("DOCS_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(exist_ok=True)
        (SCREENSHOTS / name).write_bytes((tmp_path / name).read_bytes())


async def downloaded_csv(folder: Path, timeout_s: float = 20) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = [p for p in folder.glob("*.csv")] if folder.exists() else []
        if done:
            return done[0].read_bytes().decode("utf-8-sig")
        await asyncio.sleep(0.2)
    raise TimeoutError(f"no CSV downloaded into {folder}")


@pytest.mark.e2e
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is installed by `make test` (apt package chromium)")
async def test_staff_use_the_dashboard_in_chromium(server: Server, tmp_path: Path) -> None:
    """Log in, read the chart in both languages, filter, export, import with a preview, then on a phone screen."""
    browser = await Chromium().start()
    try:
        page = await browser.open(f"{server.url}{PREFIX}/trends?weeks=4&lang=en")
        await page.wait_for("!!document.querySelector('input[name=token]')")  # sent to the login first
        await page.call("Emulation.setDeviceMetricsOverride", width=1100, height=900, deviceScaleFactor=1, mobile=False)
        await leave(page, f"document.querySelector('input[name=token]').value = {TOKEN!r};"
                          "document.querySelector('form.stack button').click()")
        await page.wait_for(loaded("!!document.querySelector('svg.chart polyline')"))  # and back to the page asked for
        assert await page.eval("location.search") == "?weeks=4"  # the language is in a cookie by now
        assert await page.eval("document.querySelectorAll('svg.chart g.series').length") == 2
        await shot(page, tmp_path, "dashboard-trends.png")

        await leave(page, "document.querySelector('a.lang').click()")
        await page.wait_for(loaded("document.documentElement.lang === 'bn'"))
        assert "মানব পাচার" in await page.eval("document.querySelector('ul.legend').textContent")
        await leave(page, "document.querySelector('select[name=topic]').value = 'child_marriage';"
                          "document.querySelector('form.filters button').click()")
        await page.wait_for(loaded("location.search.includes('topic=child_marriage')"))
        assert await page.eval("document.querySelectorAll('svg.chart g.series').length") == 1
        assert "বাল্যবিবাহ" in await page.eval("document.querySelector('table.trends').textContent")
        await shot(page, tmp_path, "dashboard-trends-bn.png")

        downloads = tmp_path / "downloads"  # the page may not fetch (CSP): staff click the link, the file arrives
        await Page(browser.browser_ws).call("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
        await navigate(page, f"{server.url}{PREFIX}/import", "!!document.querySelector('a.button')")
        await page.eval("document.querySelector('a.button').click()")
        exported = await downloaded_csv(downloads)
        rows = list(csv.DictReader(io.StringIO(exported)))
        target = next(r for r in rows if r["district"] == "Khulna" and r["category"] == "legal_aid")
        target["notes"] = "Confirmed in a browser test"
        edited = tmp_path / "edited.csv"
        with open(edited, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)

        await navigate(page, f"{server.url}{PREFIX}/import?lang=en", "!!document.querySelector('input[type=file]')")
        document = await page.call("DOM.getDocument")
        node = await page.call("DOM.querySelector", nodeId=document["root"]["nodeId"], selector="input[type=file]")
        await page.call("DOM.setFileInputFiles", files=[str(edited)], nodeId=node["nodeId"])
        await leave(page, "document.querySelector('form.stack button').click()")
        await page.wait_for(loaded("document.body.textContent.includes('nothing has been written yet')"))
        assert "Confirmed in a browser test" in await page.eval("document.querySelector('table.changes').textContent")
        assert "Confirmed in a browser test" not in exported_now(server.directory_url)
        await shot(page, tmp_path, "dashboard-import-preview.png")
        await leave(page, "document.querySelector('button.primary').click()")
        await page.wait_for(loaded("document.body.textContent.includes('Written: 0 new, 1 changed')"))
        assert "Confirmed in a browser test" in exported_now(server.directory_url)

        await page.call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=2, mobile=True)
        await navigate(page, f"{server.url}{PREFIX}/coverage?lang=bn", "!!document.querySelector('table.coverage')")
        assert await page.eval("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways page
        await shot(page, tmp_path, "dashboard-coverage-phone.png")
        await navigate(page, f"{server.url}{PREFIX}/stale?lang=bn&district=Jashore", "!!document.querySelector('table.stale')")
        assert await page.eval("document.documentElement.scrollWidth <= window.innerWidth + 1")
        await shot(page, tmp_path, "dashboard-stale-phone.png")
    finally:
        await browser.stop()
