"""Logging in and out: the staff token opens a new session (the id rotates at every login); wrong tokens are
throttled per client."""
from __future__ import annotations

import logging

from aiohttp import web

from backoffice.access import throttled_login
from backoffice.dashboard.common import (COOKIE, PREFIX, behind_tls_proxy, client_of, html, lang_of, session_id,
                                         state)
from backoffice.dashboard.html import e, hidden, t, url

logger = logging.getLogger(__name__)

def login_form(request: web.Request, message: str = "") -> str:
    lang = lang_of(request)
    next_page = request.query.get("next", "")
    if not state(request).staff_token():
        return f'<p class="error">{e(t("login_off", lang))}</p>'
    return (f'{f"<p class=error role=alert>{e(message)}</p>" if message else ""}'
            f'<p>{e(t("login_help", lang, hours=f"{state(request).sessions.hours:g}"))}</p>'
            f'<form method="post" action="{PREFIX}/login" class="stack">{hidden({"next": next_page})}'
            f'<label>{e(t("login_token", lang))} <input type="password" name="token" autocomplete="current-password" '
            f'required autofocus></label><button type="submit">{e(t("login_button", lang))}</button></form>')


async def login_page(request: web.Request) -> web.Response:
    return html(request, t("login_title", lang_of(request)), login_form(request))


async def login_post(request: web.Request) -> web.Response:
    """A right token opens a new session (any previous one ends: the id rotates at every login)."""
    dash, lang = state(request), lang_of(request)
    form = await request.post()
    new_session, wait = throttled_login(dash.sessions, dash.throttle, client_of(request), str(form.get("token", "")),
                                        previous=session_id(request), token=dash.staff_token())
    if wait > 0:
        logger.warning("dashboard: login throttled")
        body = login_form(request, t("login_wait", lang, minutes=max(1, round(wait / 60))))
        return html(request, t("login_title", lang), body, status=429)
    if new_session is None:
        logger.info("dashboard: failed login")
        return html(request, t("login_title", lang), login_form(request, t("login_wrong", lang)), status=401)
    logger.info("dashboard: staff login")
    next_page = str(form.get("next", ""))
    target = next_page if next_page.startswith(PREFIX + "/") and "//" not in next_page else url(PREFIX, "")
    response = web.HTTPSeeOther(target)
    response.set_cookie(COOKIE, new_session, path=PREFIX, max_age=dash.sessions.max_age_s(), httponly=True,
                        samesite="Strict", secure=request.secure or behind_tls_proxy())
    raise response


async def logout(request: web.Request) -> web.Response:
    state(request).sessions.logout(session_id(request))
    response = web.HTTPSeeOther(url(PREFIX, "login"))
    response.del_cookie(COOKIE, path=PREFIX)
    raise response
