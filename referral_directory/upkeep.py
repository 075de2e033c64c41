"""Directory upkeep for the NGO staff who keep it: change history, stale entries and coverage reports.

Plain Python over the directory's database (the ``Directory`` methods are thin wrappers). Outputs are
meant for staff: CSV for spreadsheets, a PNG chart and short plain-text lines that fit in a Telegram
message, in English or Bangla (texts in data/upkeep_texts.csv).

- ``history(conn, service_id=None, limit=100)``: what imports changed, newest first (rd_service_history).
- ``stale(conn, today=None, months=12)``: the entries to phone, by the date staff last confirmed them,
  with the reason: ``outdated`` (confirmed more than ``months`` months ago), ``unconfirmed`` (listed
  from a source, never confirmed) or ``unverified`` (no source; staff only). Outdated and unconfirmed
  ones come first: users are shown them.
- ``coverage(conn)``: per district x category, verified and unverified counts and whether a verified
  nationwide service (e.g. every police station's Child Affairs Desk) covers it; the gaps per category.
"""
from __future__ import annotations

import calendar
import csv
import datetime as dt
import functools
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, TextIO, Tuple, Union

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from . import gazetteer as gz
from .categories import CATEGORIES
from .models import Service, ServiceHistory
from contract.text import TO_BANGLA_DIGITS

LANGS = ("en", "bn")
REASONS = ("outdated", "unconfirmed", "unverified")  # stale() order: most urgent first
COVERAGE_COLUMNS = ["division", "district", "district_bn", "category", "verified", "unverified",
                    "nationwide_verified", "covered"]


# -- texts ---------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _texts() -> Dict[str, Dict[str, str]]:
    out = {r["key"]: {"en": r["en"], "bn": r["bn"]} for r in gz.read_csv("upkeep_texts.csv")}
    missing = [k for k, v in out.items() if not v["en"] or not v["bn"]]
    if missing:
        raise ValueError(f"data/upkeep_texts.csv: missing en or bn text for {', '.join(missing)}")
    return out


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def _digits(value: Any, lang: str) -> str:
    s = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    return s.translate(TO_BANGLA_DIGITS) if lang == "bn" else s


def _t(key: str, lang: str, **kw: Any) -> str:
    """A text from data/upkeep_texts.csv; numbers and dates in the placeholders get Bangla digits in bn."""
    args = {k: _digits(v, lang) if isinstance(v, (int, dt.date)) and not isinstance(v, bool) else v
            for k, v in kw.items()}
    return _texts()[key][lang].format(**args)


def category_label(category: str, lang: str = "en") -> str:
    """The staff-facing name of a category ("legal aid" / "আইনি সহায়তা")."""
    return _t(f"category.{category}", _lang(lang))


def _district_label(district: Optional[str], lang: str) -> str:
    if district == "ALL":
        return _t("district.all", lang)
    if not district:
        return _t("district.none", lang)
    return gz.load().district_name(district, lang)


def _lines_with_more(lines: List[str], total: int, limit: int, lang: str) -> List[str]:
    if total > limit:
        lines.append(_t("list.more", lang, n=total - limit))
    return lines


# -- history -------------------------------------------------------------------------------------------
def history(conn: Connection, service_id: Optional[str] = None, limit: int = 100) -> List[Dict[str, Any]]:
    """Recorded changes, newest first: id, service_id, name and name_bn (the service's current names; None
    if the row is gone), field ('added' or a CSV column), old_value, new_value, changed_by, changed_at (UTC)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    h, s = ServiceHistory.__table__, Service.__table__
    stmt = (select(h, s.c.name_en.label("name"), s.c.name_bn.label("name_bn"))
            .select_from(h.outerjoin(s, s.c.id == h.c.service_id))
            .order_by(h.c.changed_at.desc(), h.c.id.desc()).limit(limit))
    if service_id is not None:
        stmt = stmt.where(h.c.service_id == service_id)
    out = []
    for r in conn.execute(stmt).mappings():
        out.append({"id": r["id"], "service_id": r["service_id"], "name": r["name"], "name_bn": r["name_bn"],
                    "field": r["field"],
                    "old_value": r["old_value"], "new_value": r["new_value"], "changed_by": r["changed_by"],
                    "changed_at": r["changed_at"].replace(tzinfo=dt.timezone.utc)})
    return out


def history_text(entries: Sequence[Dict[str, Any]], lang: str = "en", limit: int = 20) -> str:
    """history() as short plain-text lines for a chat message (at most ``limit`` lines of changes)."""
    lang = _lang(lang)
    if not entries:
        return _t("history.none", lang)
    lines = []
    for e in entries[:limit]:
        at = _digits(e["changed_at"].strftime("%Y-%m-%d %H:%M UTC"), lang)
        service = ((e.get("name_bn") if lang == "bn" else None) or e["name"]) or e["service_id"]
        by = e["changed_by"] or _t("history.unknown", lang)
        if e["field"] == "added":
            lines.append(_t("history.added", lang, at=at, service=service, by=by))
        else:
            empty = _t("history.empty", lang)
            lines.append(_t("history.changed", lang, at=at, service=service, field=e["field"],
                            old=e["old_value"] or empty, new=e["new_value"] or empty, by=by))
    return "\n".join(_lines_with_more(lines, len(entries), limit, lang))


# -- staleness -----------------------------------------------------------------------------------------
def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day: 31 Mar -> 28 Feb)."""
    y, m = divmod(day.year * 12 + (day.month - 1) - months, 12)
    return dt.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def stale(conn: Connection, today: Optional[dt.date] = None, months: int = 12) -> List[Dict[str, Any]]:
    """The entries staff should phone, by the date a person last CONFIRMED them (a source's date says
    nothing about whether the number still works). Reasons: ``outdated`` (confirmed before the same day
    ``months`` months ago), ``unconfirmed`` (listed from a source, never confirmed: users see these too)
    and ``unverified`` (no citable source; staff only). Each entry carries the phones to call. Order:
    outdated (oldest confirmation first), unconfirmed (oldest listing first), unverified; then district
    and name."""
    if months < 1:
        raise ValueError("months must be at least 1")
    cutoff = months_before(today or dt.date.today(), months)
    t = Service.__table__
    stmt = select(t.c.id, t.c.name_en, t.c.name_bn, t.c.category, t.c.district, t.c.upazila, t.c.nationwide,
                  t.c.verified, t.c.phones, t.c.listed_on, t.c.confirmed_on).where(
        or_(t.c.verified == False, t.c.confirmed_on.is_(None), t.c.confirmed_on < cutoff))  # noqa: E712
    out = []
    for r in conn.execute(stmt):
        reason = "unverified" if not r.verified else ("unconfirmed" if r.confirmed_on is None else "outdated")
        out.append({"id": r.id, "name": r.name_en, "name_bn": r.name_bn, "category": r.category,
                    "district": "ALL" if r.nationwide else r.district, "upazila": r.upazila,
                    "verified": bool(r.verified), "phones": list(r.phones or []), "listed_on": r.listed_on, "confirmed_on": r.confirmed_on, "reason": reason})
    out.sort(key=_stale_order)
    return out


def _stale_order(e: Dict[str, Any]) -> tuple:
    day = {"outdated": e["confirmed_on"], "unconfirmed": e["listed_on"]}.get(e["reason"])
    return REASONS.index(e["reason"]), day or dt.date.min, e["district"] or "", e["name"], e["id"]


def stale_text(entries: Sequence[Dict[str, Any]], lang: str = "en", months: int = 12, limit: int = 20) -> str:
    """stale() as a count line plus at most ``limit`` short lines (most urgent first) for a chat message.
    ``months`` only fills in the wording; pass the value given to stale()."""
    lang = _lang(lang)
    if not entries:
        return _t("stale.none", lang, months=months)
    count = {r: sum(1 for e in entries if e["reason"] == r) for r in REASONS}
    lines = [_t("stale.header", lang, total=len(entries), months=months, **count)]
    for e in entries[:limit]:
        name = (e.get("name_bn") or e["name"]) if lang == "bn" else e["name"]
        lines.append("• " + _t(f"stale.{e['reason']}", lang, name=name, category=category_label(e["category"], lang),
                               district=_district_label(e["district"], lang), confirmed=e["confirmed_on"] or "",
                               listed=e["listed_on"] or "-"))
    return "\n".join(_lines_with_more(lines, len(entries), limit, lang))


# -- coverage ------------------------------------------------------------------------------------------
def service_counts(conn: Connection) -> List[Tuple[str, Optional[str], bool, bool, int]]:
    """(category, district, verified, nationwide, count) groups: the one query behind stats() and coverage()."""
    t = Service.__table__
    rows = conn.execute(select(t.c.category, t.c.district, t.c.verified, t.c.nationwide, func.count())
                        .group_by(t.c.category, t.c.district, t.c.verified, t.c.nationwide)).all()
    return [(c, d, bool(v), bool(n), int(k)) for c, d, v, n, k in rows]


def covered_districts(counts: Iterable[Tuple[str, Optional[str], bool, bool, int]]) -> Dict[str, Set[str]]:
    """Per category, the districts with a verified service: their own, or a verified nationwide one."""
    everywhere = set(gz.load().districts)
    covered: Dict[str, Set[str]] = {c: set() for c in CATEGORIES}
    for cat, dist, ver, nationwide, _ in counts:
        if ver:
            if nationwide:
                covered[cat] |= everywhere
            elif dist:
                covered[cat].add(dist)
    return covered


def _district_order() -> List[gz.District]:
    return sorted(gz.load().districts.values(), key=lambda d: (d.division, d.name_en))


def coverage(conn: Connection) -> Dict[str, Any]:
    """District x category coverage. Keys: total_districts, categories, districts (name, name_bn, division;
    division then name order), grid[district][category] = {verified, unverified, nationwide_verified,
    covered}, nationwide[category] and unplaced[category] (no district) = {verified, unverified},
    by_category[category] = {covered, local, nationwide_only, gaps, nationwide}, gaps[category] = districts
    with no verified service at all, verified, unverified (totals)."""
    counts = service_counts(conn)
    districts = _district_order()
    zero = lambda: {"verified": 0, "unverified": 0}  # noqa: E731
    grid = {d.name_en: {c: zero() for c in CATEGORIES} for d in districts}
    nationwide = {c: zero() for c in CATEGORIES}
    unplaced = {c: zero() for c in CATEGORIES}
    totals = zero()
    for cat, dist, ver, nw, n in counts:
        key = "verified" if ver else "unverified"
        totals[key] += n
        cell = nationwide[cat] if nw else (grid[dist][cat] if dist in grid else unplaced[cat])
        cell[key] += n
    covered = covered_districts(counts)
    by_category = {}
    for c in CATEGORIES:
        nw = nationwide[c]["verified"] > 0
        local = sum(1 for d in grid if grid[d][c]["verified"] > 0)
        for d in grid:
            grid[d][c]["nationwide_verified"] = nw
            grid[d][c]["covered"] = d in covered[c]
        by_category[c] = {"covered": len(covered[c]), "local": local, "nationwide_only": len(covered[c]) - local,
                          "gaps": len(grid) - len(covered[c]), "nationwide": nw}
    return {"total_districts": len(grid), "categories": list(CATEGORIES),
            "districts": [{"name": d.name_en, "name_bn": d.name_bn, "division": d.division} for d in districts],
            "grid": grid, "nationwide": nationwide, "unplaced": unplaced, "by_category": by_category,
            "gaps": {c: [d.name_en for d in districts if d.name_en not in covered[c]] for c in CATEGORIES},
            **totals}


def coverage_csv(cov: Dict[str, Any], fh: TextIO) -> int:
    """One row per district x category (long format: filter or pivot it in a spreadsheet); returns rows."""
    w = csv.DictWriter(fh, fieldnames=COVERAGE_COLUMNS, lineterminator="\n")
    w.writeheader()
    n = 0
    for d in cov["districts"]:
        for c in cov["categories"]:
            cell = cov["grid"][d["name"]][c]
            w.writerow({"division": d["division"], "district": d["name"], "district_bn": d["name_bn"],
                        "category": c, "verified": cell["verified"], "unverified": cell["unverified"],
                        "nationwide_verified": "yes" if cell["nationwide_verified"] else "no",
                        "covered": "yes" if cell["covered"] else "no"})
            n += 1
    return n


def coverage_text(cov: Dict[str, Any], lang: str = "en", list_up_to: int = 3) -> str:
    """A few lines for a chat message: per category how many districts have a verified service (gap
    districts named when there are at most ``list_up_to``), and how many entries wait to be verified."""
    lang = _lang(lang)
    total = cov["total_districts"]
    names = {d["name"]: (d["name_bn"] if lang == "bn" else d["name"]) for d in cov["districts"]}
    lines = [_t("coverage.header", lang, total=total)]
    for c in cov["categories"]:
        b = cov["by_category"][c]
        label = category_label(c, lang)
        if b["nationwide"]:
            line = _t("coverage.nationwide", lang, category=label, total=total)
        elif b["gaps"] == 0:
            line = _t("coverage.full", lang, category=label, total=total)
        else:
            line = _t("coverage.partial", lang, category=label, covered=b["covered"], gaps=b["gaps"], total=total)
            if b["gaps"] <= list_up_to:
                line = _t("coverage.missing", lang, line=line,
                          districts=", ".join(names[d] for d in cov["gaps"][c]))
        lines.append("• " + line)
    if cov["unverified"]:
        lines.append(_t("coverage.unverified", lang, n=cov["unverified"]))
    return "\n".join(lines)


def coverage_png(cov: Dict[str, Any], path: Union[str, Path], kind: str = "bars") -> Path:
    """Write a PNG chart (matplotlib Agg; no internet). ``bars``: per category, how many districts have
    a verified service of their own, are covered only by a nationwide one, or have none. ``grid``: the
    district x category heat grid (verified counts; red = no verified service). Labels are English:
    matplotlib cannot shape Bangla script; send coverage_text(..., "bn") as the caption."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    cats = cov["categories"]
    labels = [category_label(c, "en") for c in cats]
    total = cov["total_districts"]
    if kind == "bars":
        fig = Figure(figsize=(8, 4.6), dpi=120)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        local = [cov["by_category"][c]["local"] for c in cats]
        nw_only = [cov["by_category"][c]["nationwide_only"] for c in cats]
        gaps = [cov["by_category"][c]["gaps"] for c in cats]
        y = list(range(len(cats)))[::-1]
        ax.barh(y, local, color="#2e7d32", label="own verified service")
        ax.barh(y, nw_only, left=local, color="#90caf9", label="only a nationwide verified service")
        ax.barh(y, gaps, left=[a + b for a, b in zip(local, nw_only)], color="#e57373",
                label="no verified service")
        for yi, a, b, g in zip(y, local, nw_only, gaps):
            if g:
                ax.text(total + 0.5, yi, f"{g} without", va="center", fontsize=8)
            ax.text(max(a, 0) / 2 if a else 0.5, yi, str(a) if a else "", va="center", ha="center",
                    fontsize=8, color="white")
        ax.set_yticks(y)
        ax.set_yticklabels(labels)
        ax.set_xlim(0, total * 1.18)
        ax.set_xlabel(f"districts (of {total})")
        ax.set_title(f"Verified coverage of Bangladesh's {total} districts by category")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.32), ncol=3, fontsize=8, frameon=False)
        fig.subplots_adjust(left=0.2, right=0.97, top=0.9, bottom=0.25)
    elif kind == "grid":
        from matplotlib.colors import ListedColormap

        names = [d["name"] for d in cov["districts"]]
        values = [[min(cov["grid"][n][c]["verified"], 3) if cov["grid"][n][c]["verified"]
                   else (-1 if cov["grid"][n][c]["covered"] else -2) for c in cats] for n in names]
        fig = Figure(figsize=(7, 15), dpi=110)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        cmap = ListedColormap(["#e57373", "#90caf9", "#ffffff", "#a5d6a7", "#43a047", "#1b5e20"])
        ax.imshow([[v + 2 for v in row] for row in values], cmap=cmap, vmin=-0.5, vmax=5.5, aspect="auto",
                  interpolation="nearest")
        for i, n in enumerate(names):
            for j, c in enumerate(cats):
                cell = cov["grid"][n][c]
                if cell["verified"]:
                    ax.text(j, i, str(cell["verified"]), ha="center", va="center", fontsize=6,
                            color="white" if cell["verified"] > 1 else "black")
        ax.set_xticks(range(len(cats)))
        ax.set_xticklabels(labels, rotation=40, ha="right", fontsize=8)
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels([f"{n} ({d['division']})" for n, d in zip(names, cov["districts"])], fontsize=6)
        ax.set_title("Verified services per district\n(number; blue = only nationwide; red = none)", fontsize=9)
        fig.subplots_adjust(left=0.3, right=0.98, top=0.95, bottom=0.08)
    else:
        raise ValueError("kind must be 'bars' or 'grid'")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path
