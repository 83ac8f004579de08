"""CSV and XLSX files of the rows behind a report: the chosen filters first, then exactly the on-screen columns.

CSV is UTF-8 with a byte-order mark so Excel opens it with the right characters; XLSX (xlsxwriter, constant
memory) stores real dates, times and numbers."""

import csv
import datetime
import io
from collections.abc import Callable, Iterable

import xlsxwriter

from reports.params import Directory, ReportParams
from reports.selectors import ROW_COLUMNS, doctor_names, format_row, row_values

CHUNK = 2000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_filename(params: ReportParams, fmt: str) -> str:
    return f"appointments-{params.hospital.slug}-{params.date_from}-{params.date_to}.{fmt}"


def _rows(params: ReportParams, directory: Directory, appointments) -> Iterable[list]:
    names = doctor_names(directory)
    for values in row_values(appointments).iterator(chunk_size=CHUNK):
        yield format_row(values, params, directory, names)


def write_export(
    fmt: str,
    target,
    params: ReportParams,
    directory: Directory,
    appointments,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Writes the file to `target` (a path or a binary buffer); returns the number of rows."""
    writer = _write_csv if fmt == "csv" else _write_xlsx
    return writer(target, params, _rows(params, directory, appointments), progress)


def _tick(progress, count: int) -> None:
    if progress is not None and count % CHUNK == 0:
        progress(count)


def _write_csv(target, params, rows, progress) -> int:
    stream = open(target, "wb") if isinstance(target, str) else target  # noqa: SIM115
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    try:
        out = csv.writer(text)
        for label, value in params.describe():
            out.writerow([label, value])
        out.writerow([])
        out.writerow([str(column) for column in ROW_COLUMNS])
        count = 0
        for row in rows:
            row[0] = row[0].isoformat()
            row[1] = row[1].strftime("%H:%M")
            out.writerow(row)
            count += 1
            _tick(progress, count)
        text.flush()
    finally:
        text.detach()
        if isinstance(target, str):
            stream.close()
    return count


def _write_xlsx(target, params, rows, progress) -> int:
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": not isinstance(target, str)})
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    time_format = workbook.add_format({"num_format": "hh:mm"})
    sheet = workbook.add_worksheet("Appointments")
    line = 0
    for label, value in params.describe():
        sheet.write_string(line, 0, str(label), bold)
        sheet.write_string(line, 1, str(value))
        line += 1
    line += 1
    for column, title in enumerate(ROW_COLUMNS):
        sheet.write_string(line, column, str(title), bold)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 7, 22)
    count = 0
    for row in rows:
        line += 1
        day, time, *text = row
        sheet.write_datetime(line, 0, datetime.datetime.combine(day, datetime.time.min), date_format)
        sheet.write_datetime(line, 1, time, time_format)
        for offset, value in enumerate(text, start=2):
            sheet.write_string(line, offset, value or "")
        count += 1
        _tick(progress, count)
    workbook.close()
    return count
