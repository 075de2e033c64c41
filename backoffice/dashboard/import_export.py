"""Export and import of the directory: the CSV download, and an upload that is validated and shown as a list
of changes (a dry run) before "Apply" writes it, all or nothing, under changed_by "dashboard"."""
from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web

from backoffice.dashboard.common import MAX_UPLOAD_BYTES, PREFIX, csv_download, html, lang_of, session_id, state
from backoffice.dashboard.html import e, hidden, t, table, url

logger = logging.getLogger(__name__)

def import_form(request: web.Request, message: str = "") -> str:
    lang = lang_of(request)
    csrf = state(request).sessions.csrf_token(session_id(request))
    return (f'<p class="help">{e(t("export_help", lang))}</p>'
            f'<p><a class="button" href="{url(PREFIX, "export.csv")}">{e(t("export_button", lang))}</a></p>'
            f'{f"<p class=error role=alert>{e(message)}</p>" if message else ""}'
            f'<form method="post" action="{PREFIX}/import" enctype="multipart/form-data" class="stack">'
            f'{hidden({"csrf": csrf})}<label>{e(t("import_file", lang))} '
            f'<input type="file" name="file" accept=".csv,text/csv" required></label>'
            f'<button type="submit">{e(t("import_button", lang))}</button></form>')


async def import_page(request: web.Request) -> web.Response:
    return html(request, t("import_title", lang_of(request)), import_form(request), "import")


async def export_csv(request: web.Request) -> web.Response:
    directory = await state(request).directory()
    out = io.StringIO()
    await asyncio.to_thread(directory.export_csv, out)
    logger.info("dashboard: directory exported")
    return csv_download(out.getvalue(), f"referral_directory_{dt.date.today().isoformat()}.csv")


async def run_import(request: web.Request, data: bytes, dry_run: bool) -> Any:
    directory = await state(request).directory()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "import.csv"
        path.write_bytes(data)
        return await asyncio.to_thread(directory.import_csv, path, dry_run, None, "dashboard")


async def import_preview(request: web.Request) -> web.Response:
    """Validate the upload and show what it would change; nothing is written until "Apply"."""
    lang = lang_of(request)
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        return html(request, t("import_title", lang), import_form(request, t("import_no_file", lang)), "import", 400)
    data = upload.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return html(request, t("import_title", lang), import_form(request, t("import_too_big", lang)), "import", 413)
    report = await run_import(request, data, dry_run=True)
    logger.info("dashboard: import preview, ok=%s", report.ok)
    return html(request, t("preview_title", lang), preview_body(request, report, data), "import")


def preview_body(request: web.Request, report: Any, data: bytes) -> str:
    lang = lang_of(request)
    if not report.ok:
        rows = [(e(p.row), e(p.column or "-"), e(p.message)) for p in report.problems]
        return (f'<p class="error" role="alert">{e(t("preview_problems", lang, n=len(report.problems)))}</p>'
                + table([t("col_row", lang), t("col_column", lang), t("col_problem", lang)], rows, "problems")
                + import_form(request))
    counts = t("preview_counts", lang, rows=report.rows, added=report.added, changed=report.changed,
               unchanged=report.unchanged)
    rows = []
    for change in report.changes:
        fields = "<br>".join(f'<code>{e(f["field"])}</code>: <del>{e(f["old"] or "-")}</del> → <ins>{e(f["new"] or "-")}</ins>'
                             for f in change["fields"])
        rows.append((e(change["service_id"]), e(change["name_en"]), e(t("change_" + change["action"], lang)), fields))
    if not report.changes:
        return f"<p><strong>{e(counts)}</strong></p><p>{e(t('nothing_to_apply', lang))}</p>" + import_form(request)
    sid = session_id(request)
    apply_form = (f'<form method="post" action="{PREFIX}/import/apply">'
                  f'{hidden({"csrf": state(request).sessions.csrf_token(sid), "upload": state(request).keep_upload(sid, data)})}'
                  f'<button type="submit" class="primary">{e(t("apply_button", lang))}</button></form>')
    return (f"<p><strong>{e(counts)}</strong></p>"
            + table(["id", t("col_service", lang), t("col_change", lang), ""], rows, "changes") + apply_form)


async def import_apply(request: web.Request) -> web.Response:
    lang = lang_of(request)
    form = await request.post()
    data = state(request).take_upload(session_id(request), str(form.get("upload", "")))
    if data is None:
        return html(request, t("import_title", lang), import_form(request, t("upload_expired", lang)), "import", 410)
    report = await run_import(request, data, dry_run=False)
    logger.info("dashboard: import applied, ok=%s", report.ok)
    if not report.ok:  # the directory changed in between and a row no longer fits
        return html(request, t("preview_title", lang), preview_body(request, report, data), "import", 409)
    message = t("applied", lang, added=report.added, changed=report.changed, unchanged=report.unchanged)
    return html(request, t("import_title", lang), f'<p class="ok" role="status">{e(message)}</p>' + import_form(request), "import")
