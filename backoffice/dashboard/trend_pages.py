"""The trends page: what children and parents ask about, per topic, district and finished week, as a chart
and a table of the published (suppressed) cells, and the same as CSV."""
from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from aiohttp import web

from backoffice import reports, trends
from backoffice.dashboard.charts import line_chart
from backoffice.dashboard.common import PREFIX, csv_download, district_options, html, lang_of, state
from backoffice.dashboard.html import e, number, select, t, table, url
from contract.paths import tracker_db_url

WEEK_CHOICES = (4, 8, 12, 26, 52)
CHART_SERIES = 8  # lines in one chart; the table below it has every topic

@dataclass(frozen=True)
class TrendFilter:
    topic: str = ""
    district: str = ""
    weeks: int = 12

    @classmethod
    def of(cls, request: web.Request) -> "TrendFilter":
        weeks = request.query.get("weeks", "12")
        return cls(topic=request.query.get("topic", "") if request.query.get("topic", "") in trends.content()["topics"] else "",
                   district=request.query.get("district", "")[:64],
                   weeks=int(weeks) if weeks.isdigit() and int(weeks) in WEEK_CHOICES else 12)

    def keep(self, cell: trends.Cell) -> bool:
        return (not self.topic or cell.topic == self.topic) and (not self.district or cell.district == self.district)


async def published_trends(request: web.Request, chosen: TrendFilter) -> tuple[list[dt.date], list[trends.Cell]]:
    """Finalised weeks, suppressed by backoffice.trends.publish, then filtered (filtering shown cells
    reveals nothing a table of all of them would not)."""
    db = state(request).tracker_db or tracker_db_url()
    last = trends.last_final_week(dt.datetime.now(dt.timezone.utc))
    weeks, cells = await asyncio.to_thread(reports.trend_rows, last - dt.timedelta(days=7 * (chosen.weeks - 1)), last,
                                           db=db)
    return weeks, [c for c in cells if chosen.keep(c)]


async def trends_page(request: web.Request) -> web.Response:
    lang, chosen = lang_of(request), TrendFilter.of(request)
    weeks, cells = await published_trends(request, chosen)
    k = trends.min_cell()
    series = reports.chart_series(cells)
    order = sorted(series, key=lambda topic: -sum(series[topic].values()))[:CHART_SERIES]
    labels = {topic: trends.topic_label(topic, lang) for topic in series}
    chart = (line_chart(weeks, {topic: series[topic] for topic in order}, labels, t("chart_caption", lang),
                        lambda week: number(week.strftime("%d/%m"), lang))
             if series else f'<p class="empty">{e(t("chart_empty", lang, k=k))}</p>')
    topics = [("", t("filter_all", lang))] + [(topic, trends.topic_label(topic, lang)) for topic in trends.content()["topics"]]
    filters = (f'<form method="get" class="filters">'
               f'{select("topic", t("filter_topic", lang), topics, chosen.topic)}'
               f'{select("district", t("filter_district", lang), district_options(lang), chosen.district)}'
               f'{select("weeks", t("filter_weeks", lang), [(str(w), str(w)) for w in WEEK_CHOICES], str(chosen.weeks))}'
               f'<button type="submit">{e(t("filter_apply", lang))}</button></form>')
    rows = [(e(number(c.week.isoformat(), lang)), e(trends.topic_label(c.topic, lang)),
             e(trends.district_label(c.district, lang)), f'<span class="num">{e(number(c.conversations, lang))}</span>')
            for c in sorted(cells, key=lambda c: (-c.week.toordinal(), -c.conversations, c.topic, c.district))]
    download = url(PREFIX, "trends.csv", topic=chosen.topic, district=chosen.district, weeks=chosen.weeks)
    body = (f'<p class="help">{e(t("trends_help", lang, k=k))}</p>{filters}'
            f'<figure>{chart}<figcaption>{e(t("chart_caption", lang))}</figcaption></figure>'
            + table([t("col_week", lang), t("col_topic", lang), t("col_district", lang), t("col_conversations", lang)],
                    rows, "trends")
            + f'<p><a class="button" href="{e(download)}">{e(t("download_trends", lang))}</a></p>')
    return html(request, t("trends_title", lang), body, "trends")


async def trends_csv(request: web.Request) -> web.Response:
    _, cells = await published_trends(request, TrendFilter.of(request))
    return csv_download(reports.csv_text(cells), f"trends_{reports.today().isoformat()}.csv")
