"""Staff reports built only from anonymous aggregates (no ids, no message text).

    python -m backoffice.reports trends --since 2024-05-01 [--until 2024-06-30] [--out DIR]   # trends.csv + trends.png
    python -m backoffice.reports coverage [--out DIR]                                          # coverage.csv + coverage.png

``report_text(lang, since)`` is the chat-sized summary for the staff /report command. Every number in
every output has been through ``backoffice.trends.publish`` (small-cell suppression); docs/trends.md.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

from sqlalchemy.engine import Engine

from backoffice.conversations import TRACKER_DB_URL
from backoffice.trends import DHAKA, OTHER, UNKNOWN, Cell, TrendStore, content, district_label, is_final, min_cell, \
    publish, topic_label, week_of
from contract.paths import VAR_DIR
from contract.text import TO_BANGLA_DIGITS

MAX_TEXT = 3500  # a Telegram message holds 4,096 characters; leave room
REPORT_WEEKS = 4
CSV_COLUMNS = ["week", "week_status", "topic", "topic_en", "topic_bn", "district", "district_bn", "conversations"]


def _t(key: str, lang: str, **values: object) -> str:
    text = content()["texts"][key][lang].format(**values)
    return text.translate(TO_BANGLA_DIGITS) if lang == "bn" else text


def today(now: Optional[dt.datetime] = None) -> dt.date:
    """Today's date in Dhaka (weeks and report ranges are in Bangladesh time)."""
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(DHAKA).date()


def trend_rows(since: dt.date, until: Optional[dt.date] = None, *, db: Union[str, Engine] = TRACKER_DB_URL,
               now: Optional[dt.datetime] = None) -> tuple[list[dt.date], list[Cell]]:
    """(every week of the range, the publishable cells: finalised weeks only), after a rollup so that a
    week that has just ended is final.
    The range is whole ISO weeks: the week holding ``since`` to the week holding ``until`` (default today)."""
    store = TrendStore(db)
    store.rollup(now)
    first, last = week_of(since), week_of(until or today(now))
    weeks = [first + dt.timedelta(days=7 * i) for i in range((last - first).days // 7 + 1)]
    return weeks, publish(store.cells(first, last))


def write_csv(rows: Sequence[Cell], path: Path) -> Path:
    """Long format, one row per shown cell: week, final|partial, topic, district, conversations."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write(csv_text(rows))
    return path


def csv_text(rows: Sequence[Cell]) -> str:
    """What write_csv writes, as text (the dashboard's download)."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for c in rows:
        w.writerow({"week": c.week.isoformat(), "week_status": "partial" if c.partial else "final",
                    "topic": c.topic, "topic_en": topic_label(c.topic, "en"), "topic_bn": topic_label(c.topic, "bn"),
                    "district": c.district, "district_bn": district_label(c.district, "bn"),
                    "conversations": c.conversations})
    return out.getvalue()


def chart_series(rows: Sequence[Cell]) -> dict[str, dict[dt.date, int]]:
    """What the chart plots: per topic, per week, the sum of the shown cells (so a bar never reveals a
    suppressed cell by subtraction)."""
    series: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for c in rows:
        series[c.topic][c.week] += c.conversations
    return {topic: dict(weeks) for topic, weeks in series.items()}


def write_png(weeks: Sequence[dt.date], rows: Sequence[Cell], path: Path, open_weeks: Iterable[dt.date] = ()) -> Path:
    """Stacked weekly bars per topic; open weeks (not shown until final) are labelled "(not final)".
    English labels: matplotlib cannot shape Bangla script (the CSV has the Bangla names)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    series = chart_series(rows)
    partial = {c.week for c in rows if c.partial} | set(open_weeks)
    fig = Figure(figsize=(max(8.0, 3.0 + 0.6 * len(weeks)), 5.0), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = list(range(len(weeks)))
    bottom = [0] * len(weeks)
    for topic in sorted(series, key=lambda t: -sum(series[t].values())):
        heights = [series[topic].get(w, 0) for w in weeks]
        bars = ax.bar(x, heights, bottom=bottom, label=topic_label(topic, "en"))
        for bar, w in zip(bars, weeks):
            if w in partial:
                bar.set_hatch("//")
        bottom = [b + h for b, h in zip(bottom, heights)]
    ax.set_xticks(x)
    ax.set_xticklabels([w.strftime("%d %b %Y") + (" (not final)" if w in partial else "") for w in weeks],
                       rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("conversations per topic", fontsize=9)
    ax.set_xlabel("week (from Monday, Dhaka time)", fontsize=9)
    fig.suptitle(_t("chart_title", "en", k=min_cell()), fontsize=9)
    if series:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.text(0.5, 0.5, f"No cell reached {min_cell()} conversations", ha="center", va="center",
                transform=ax.transAxes)
    fig.tight_layout()
    fig.savefig(path)
    return path


def trends_report(since: dt.date, until: Optional[dt.date] = None, out: Path = VAR_DIR / "reports", *,
                  db: Union[str, Engine] = TRACKER_DB_URL, now: Optional[dt.datetime] = None) -> tuple[Path, Path, int]:
    """Write trends.csv and trends.png into ``out``; returns (csv, png, rows)."""
    weeks, rows = trend_rows(since, until, db=db, now=now)
    out.mkdir(parents=True, exist_ok=True)
    now = now or dt.datetime.now(dt.timezone.utc)
    open_weeks = [w for w in weeks if not is_final(w, now)]
    return (write_csv(rows, out / "trends.csv"), write_png(weeks, rows, out / "trends.png", open_weeks), len(rows))


# -- the staff /report summary --------------------------------------------------------------------------

def trends_text(lang: str = "en", since: Optional[dt.date] = None, *, db: Union[str, Engine] = TRACKER_DB_URL,
                now: Optional[dt.datetime] = None, max_topics: int = 8) -> str:
    """Top topics (conversations per week, added up over the weeks) with their top districts."""
    lang = "bn" if lang == "bn" else "en"
    since = since or (week_of(today(now)) - dt.timedelta(days=7 * (REPORT_WEEKS - 1)))
    weeks, rows = trend_rows(since, db=db, now=now)
    k = min_cell()
    lines = [_t("title", lang, first=weeks[0].isoformat(), last=weeks[-1].isoformat())]
    if weeks[-1] >= week_of(today(now)):
        lines.append(_t("partial", lang))
    lines.append(_t("explain", lang, k=k))
    totals: dict[str, int] = defaultdict(int)
    by_district: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in rows:
        totals[c.topic] += c.conversations
        if c.district not in (OTHER, UNKNOWN):
            by_district[c.topic][c.district] += c.conversations
    if not totals:
        lines.append(_t("nothing", lang, k=k))
    for topic in sorted(totals, key=lambda t: (-totals[t], t))[:max_topics]:
        line = _t("line", lang, topic=topic_label(topic, lang), n=totals[topic])
        top = sorted(by_district[topic].items(), key=lambda kv: (-kv[1], kv[0]))[:2]
        if top:
            items = ", ".join(f"{district_label(d, lang)} {n}" for d, n in top)
            line += _t("districts", lang, items=items.translate(TO_BANGLA_DIGITS) if lang == "bn" else items)
        lines.append(line)
    return "\n".join(lines)


def coverage_summary(lang: str = "en") -> str:
    """The referral directory's coverage, from its own module (referral_directory.upkeep)."""
    lang = "bn" if lang == "bn" else "en"
    try:
        from referral_directory import Directory
        from referral_directory.upkeep import coverage_text
    except ImportError:
        return _t("coverage_missing", lang)
    directory = Directory.open()
    try:
        return _t("coverage_header", lang) + "\n" + coverage_text(directory.coverage(), lang)
    finally:
        directory.close()


def report_text(lang: str = "en", since: Optional[dt.date] = None, *, db: Union[str, Engine] = TRACKER_DB_URL,
                now: Optional[dt.datetime] = None) -> str:
    """Chat-sized (<= 3,500 characters) staff summary: trends of the last 4 weeks (or since ``since``),
    suppressed, then the directory coverage. Blocking (database work): call it via asyncio.to_thread."""
    text = trends_text(lang, since, db=db, now=now) + "\n\n" + coverage_summary(lang)
    if len(text) <= MAX_TEXT:
        return text
    cut = text[:MAX_TEXT - 1]
    return cut[:cut.rfind("\n")] + "\n…" if "\n" in cut else cut + "…"


# -- CLI ------------------------------------------------------------------------------------------------

def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {value!r}: use YYYY-MM-DD, e.g. 2024-05-01") from None


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backoffice.reports", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("trends", help="anonymous topic x district x week counts: trends.csv + trends.png")
    tr.add_argument("--since", type=parse_date, required=True, help="first day, YYYY-MM-DD (its whole week counts)")
    tr.add_argument("--until", type=parse_date, help="last day, YYYY-MM-DD (default: today, Dhaka time)")
    tr.add_argument("--out", type=Path, default=VAR_DIR / "reports", help="output folder (default: var/reports)")
    cov = sub.add_parser("coverage", help="referral directory coverage: coverage.csv + coverage.png")
    cov.add_argument("--out", type=Path, default=VAR_DIR / "reports", help="output folder (default: var/reports)")
    args = parser.parse_args(argv)

    if args.command == "trends":
        until = args.until or today()
        if args.since > today():
            parser.error(f"--since {args.since} is in the future")
        if until < args.since:
            parser.error(f"--until {until} is before --since {args.since}")
        csv_path, png_path, n = trends_report(args.since, until, args.out)
        print(f"Wrote {csv_path} ({n} rows) and {png_path}: weeks of {week_of(args.since)} to {week_of(until)}; "
              f"cells under {min_cell()} conversations left out, weeks not yet final left out.")
        return 0

    from referral_directory import Directory
    from referral_directory.upkeep import coverage_csv, coverage_png

    args.out.mkdir(parents=True, exist_ok=True)
    directory = Directory.open()
    try:
        cov_data = directory.coverage()
    finally:
        directory.close()
    with open(args.out / "coverage.csv", "w", newline="", encoding="utf-8") as fh:
        n = coverage_csv(cov_data, fh)
    png_path = coverage_png(cov_data, args.out / "coverage.png")
    print(f"Wrote {args.out / 'coverage.csv'} ({n} rows) and {png_path}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
