"""The dashboard's page frame and small HTML helpers. Pages are built on the server with every value
escaped; there is no JavaScript, so the pages work on any phone browser and a strict Content Security
Policy holds."""
from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence
from urllib.parse import urlencode

from contract.text import TO_BANGLA_DIGITS, read_yaml

TEXTS_FILE = Path(__file__).with_name("texts.yml")
LANGS = ("en", "bn")
NAV = (("trends", "nav_trends"), ("coverage", "nav_coverage"), ("stale", "nav_stale"), ("find", "nav_find"),
       ("import", "nav_import"))


@lru_cache(maxsize=1)
def texts() -> dict:
    return read_yaml(TEXTS_FILE)


def t(key: str, lang: str, **values: object) -> str:
    """A dashboard text in ``lang`` (en/bn), placeholders filled in (numbers in Bangla digits for bn);
    values are not escaped here."""
    text = texts()[key][lang]
    return text.format(**{k: number(v, lang) if isinstance(v, (int, float)) else v for k, v in values.items()})


def number(value: object, lang: str) -> str:
    """A count or a date as staff read it: Bangla digits in Bangla. Never for phone numbers, which are dialled."""
    text = "" if value is None else str(value)
    return text.translate(TO_BANGLA_DIGITS) if lang == "bn" else text


def e(value: object) -> str:
    return escape("" if value is None else str(value))


def url(prefix: str, page: str, **query: object) -> str:
    """A link inside the dashboard; empty query values are left out."""
    q = urlencode({k: v for k, v in query.items() if v not in (None, "")})
    return f"{prefix}/{page}" + (f"?{q}" if q else "")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], css: str = "") -> str:
    """``rows`` hold HTML already escaped by the caller (cells may contain links)."""
    head = "".join(f"<th scope=\"col\">{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<div class="scroll"><table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def select(name: str, label: str, options: Sequence[tuple[str, str]], chosen: Optional[str]) -> str:
    opts = "".join(f'<option value="{e(v)}"{" selected" if v == chosen else ""}>{e(text)}</option>'
                   for v, text in options)
    return f'<label>{e(label)} <select name="{e(name)}">{opts}</select></label>'


def hidden(fields: Mapping[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in fields.items())


def tel_links(phones: Sequence[str], lang: str) -> str:
    if not phones:
        return f'<span class="muted">{e(t("no_phone", lang))}</span>'
    return "<br>".join(f'<a href="tel:{e(p.replace(" ", ""))}">{e(p)}</a>' for p in phones)


def page(*, prefix: str, lang: str, title: str, body: str, active: str = "", csrf: str = "",
         here: str = "", logged_in: bool = True) -> str:
    """The whole document: header with the navigation, the language switch and log out, then ``body``."""
    other = "bn" if lang == "en" else "en"
    switch = f'{here}{"&" if "?" in here else "?"}lang={other}' if here else f"{prefix}/?lang={other}"
    nav = ""
    if logged_in:
        current = ' aria-current="page"'
        links = "".join(f'<a href="{url(prefix, name)}"{current if name == active else ""}>{e(t(key, lang))}</a>'
                        for name, key in NAV)
        nav = (f'<nav>{links}</nav><form method="post" action="{prefix}/logout" class="logout">'
               f'{hidden({"csrf": csrf})}<button type="submit">{e(t("logout", lang))}</button></form>')
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{e(title)} · {e(t("title", lang))}</title>'
            f'<link rel="stylesheet" href="{prefix}/static/dashboard.css"></head><body>'
            f'<header><strong>{e(t("title", lang))}</strong>'
            f'<a class="lang" href="{e(switch)}" lang="{other}">{e(t("other_language", lang))}</a>{nav}</header>'
            f'<main><h1>{e(title)}</h1>{body}</main></body></html>')
