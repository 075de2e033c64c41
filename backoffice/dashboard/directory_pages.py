"""The directory pages: coverage (district x category), the entries to confirm by phone, and the search that
shows the ranking users get, with unverified rows marked."""
from __future__ import annotations

import asyncio
import io
from collections import defaultdict

from aiohttp import web

from backoffice import trends
from backoffice.dashboard.common import PREFIX, csv_download, district_options, html, lang_of, state
from backoffice.dashboard.html import e, number, select, t, table, tel_links, url
from backoffice.staff import FIND_LIMIT  # as many rows as /find shows in Telegram
from referral_directory import CATEGORIES, Directory
from referral_directory.gazetteer import load as load_gazetteer
from referral_directory.upkeep import REASONS, category_label, coverage_csv

STALE_PAGE_SIZE = 50

# -- coverage ----------------------------------------------------------------------------------------------

def coverage_cell(cell: dict, lang: str) -> str:
    kind = "local" if cell["verified"] else ("national" if cell["covered"] else "gap")
    return f'<span class="cov {kind}">{number(cell["verified"], lang)} / {number(cell["unverified"], lang)}</span>'


async def coverage_page(request: web.Request) -> web.Response:
    lang = lang_of(request)
    directory = await state(request).directory()
    cov = await asyncio.to_thread(directory.coverage)
    headers = [t("col_district", lang)] + [category_label(c, lang) for c in cov["categories"]]
    by_division: dict[str, list[dict]] = defaultdict(list)
    for d in cov["districts"]:
        by_division[d["division"]].append(d)
    gazetteer = load_gazetteer()
    sections = []
    for division, districts in by_division.items():
        rows = [[e(d["name_bn"] if lang == "bn" else d["name"])] + [coverage_cell(cov["grid"][d["name"]][c], lang)
                                                                   for c in cov["categories"]]
                for d in districts]
        name = gazetteer.divisions[division].name_bn if lang == "bn" and division in gazetteer.divisions else division
        sections.append(f"<h2>{e(name)}</h2>" + table(headers, rows, "coverage"))
    local = sum(1 for d in cov["districts"] if any(cov["grid"][d["name"]][c]["verified"] for c in cov["categories"]))
    summary = t("coverage_summary", lang, verified=cov["verified"], unverified=cov["unverified"], local=local,
                total=cov["total_districts"])
    legend = "".join(f'<li><span class="cov {kind}">n / m</span> {e(t("legend_" + kind, lang))}</li>'
                     for kind in ("local", "national", "gap"))
    body = (f'<p class="help">{e(t("coverage_help", lang))}</p><p><strong>{e(summary)}</strong></p>'
            f'<ul class="legend">{legend}</ul>' + "".join(sections)
            + f'<p><a class="button" href="{url(PREFIX, "coverage.csv")}">{e(t("download_coverage", lang))}</a></p>')
    return html(request, t("coverage_title", lang), body, "coverage")


async def coverage_csv_download(request: web.Request) -> web.Response:
    directory = await state(request).directory()
    cov = await asyncio.to_thread(directory.coverage)
    out = io.StringIO()
    coverage_csv(cov, out)
    return csv_download(out.getvalue(), "coverage.csv")


# -- the entries to confirm ----------------------------------------------------------------------------------

async def stale_page(request: web.Request) -> web.Response:
    lang = lang_of(request)
    reason = request.query.get("reason", "") if request.query.get("reason", "") in REASONS else ""
    district = request.query.get("district", "")[:64]
    directory = await state(request).directory()
    entries = await asyncio.to_thread(directory.stale)
    counts = {r: sum(1 for x in entries if x["reason"] == r) for r in REASONS}
    shown = [x for x in entries if (not reason or x["reason"] == reason) and (not district or x["district"] == district)]
    pages = max(1, -(-len(shown) // STALE_PAGE_SIZE))
    page_no = min(pages, max(1, int(request.query["page"]) if request.query.get("page", "").isdigit() else 1))
    rows = []
    for x in shown[(page_no - 1) * STALE_PAGE_SIZE:page_no * STALE_PAGE_SIZE]:
        name = (x.get("name_bn") or x["name"]) if lang == "bn" else x["name"]
        where = ", ".join(p for p in (x.get("upazila"), trends.district_label(x["district"], lang)
                                      if x["district"] not in (None, "ALL") else x["district"]) if p)
        rows.append((e(name), e(category_label(x["category"], lang)), e(where), tel_links(x.get("phones") or [], lang),
                     e(t("reason_" + x["reason"], lang)), e(number(x["listed_on"] or "-", lang)),
                     e(number(x["confirmed_on"], lang) or t("never", lang))))
    reasons = [("", t("filter_all", lang))] + [(r, t("reason_" + r, lang)) for r in REASONS]
    filters = (f'<form method="get" class="filters">{select("reason", t("stale_reason", lang), reasons, reason)}'
               f'{select("district", t("filter_district", lang), district_options(lang, with_trend_places=False), district)}'
               f'<button type="submit">{e(t("filter_apply", lang))}</button></form>')
    nav = []
    if page_no > 1:
        nav.append(f'<a href="{e(url(PREFIX, "stale", reason=reason, district=district, page=page_no - 1))}">{e(t("previous", lang))}</a>')
    nav.append(e(t("page_of", lang, page=page_no, pages=pages)))
    if page_no < pages:
        nav.append(f'<a href="{e(url(PREFIX, "stale", reason=reason, district=district, page=page_no + 1))}">{e(t("next", lang))}</a>')
    body = (f'<p class="help">{e(t("stale_help", lang))}</p>'
            f'<p><strong>{e(t("stale_counts", lang, total=len(entries), **counts))}</strong></p>{filters}'
            + table([t("col_service", lang), t("col_category", lang), t("col_district", lang), t("col_phones", lang),
                     t("stale_reason", lang), t("col_listed", lang), t("col_confirmed", lang)], rows, "stale")
            + f'<p class="pager">{" · ".join(nav)}</p>')
    return html(request, t("stale_title", lang), body, "stale")


# -- directory search ------------------------------------------------------------------------------------------

async def find_page(request: web.Request) -> web.Response:
    lang = lang_of(request)
    place_text = request.query.get("place", "").strip()[:100]
    category = request.query.get("category", "") if request.query.get("category", "") in CATEGORIES else CATEGORIES[0]
    categories = [(c, category_label(c, lang)) for c in CATEGORIES]
    form = (f'<form method="get" class="filters"><label>{e(t("find_place", lang))} '
            f'<input name="place" value="{e(place_text)}" required></label>'
            f'{select("category", t("col_category", lang), categories, category)}'
            f'<button type="submit">{e(t("find_button", lang))}</button></form>')
    body = f'<p class="help">{e(t("find_help", lang))}</p>{form}'
    if place_text:
        body += await find_results(request, place_text, category, lang)
    return html(request, t("find_title", lang), body, "find")


async def find_results(request: web.Request, place_text: str, category: str, lang: str) -> str:
    resolution = Directory.resolve(place_text)
    if resolution.status == "ambiguous":
        links = "".join(f'<li><a href="{e(url(PREFIX, "find", place=f"{c.label()}", category=category))}">'
                        f"{e(c.label())} / {e(c.name_bn)} ({e(c.level)})</a></li>" for c in resolution.candidates[:8])
        return f'<p>{e(t("find_ambiguous", lang, place=place_text))}</p><ul>{links}</ul>'
    if not resolution.found:
        return f'<p class="error">{e(t("find_not_found", lang, place=place_text))}</p>'
    place = resolution.place
    directory = await state(request).directory()
    result = await asyncio.to_thread(directory.nearest, place, category, FIND_LIMIT, True)
    heading = t("find_for", lang, category=category_label(category, lang),
                place=place.name_bn if lang == "bn" else place.label(), level=place.level, precision=place.precision)
    out = f"<h2>{e(heading)}</h2>"
    if not result.results and not result.nationwide:
        return out + f'<p>{e(t("find_none", lang))}</p>'
    out += service_table(result.results, lang, numbered=True)
    if result.widened and result.results:
        out += f'<p class="help">{e(t("find_widened", lang, km=f"{result.near_km:g}"))}</p>'
    if result.nationwide:
        out += f'<h3>{e(t("find_nationwide", lang))}</h3>' + service_table(result.nationwide, lang, numbered=False)
    return out


def service_table(services: list, lang: str, numbered: bool) -> str:
    rows = []
    for i, r in enumerate(services, 1):
        mark = (f'<span class="ok">{e(t("verified_mark", lang))}</span>' if r.verified
                else f'<span class="unverified">{e(t("unverified_mark", lang))}</span>')
        name = (r.name_bn or r.name_en) if lang == "bn" else r.name_en
        distance = "-" if r.distance_km is None else f"{r.distance_km:.1f} km"
        if r.distance_km is not None and r.coord_precision == "district":
            distance += " " + t("to_district_hq", lang)
        rows.append(((f"{i}. " if numbered else "") + e(name) + "<br>" + mark, e(distance),
                     tel_links(r.phones, lang), e(number(r.listed_on or "-", lang)),
                     e(number(r.confirmed_on, lang) or t("never", lang)),
                     e(r.source or "-")))
    return table([t("col_service", lang), t("col_distance", lang), t("col_phones", lang), t("col_listed", lang),
                  t("col_confirmed", lang), t("col_source", lang)], rows, "services")
