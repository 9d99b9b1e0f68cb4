"""CSV downloads: streamed row by row (a hundred thousand rows never sit in memory), UTF-8 with
a byte-order mark (spreadsheet programs then read Chinese right), and every text cell that a
spreadsheet would run as a formula neutralised."""

import csv
import io
from collections.abc import Iterable

from flask import Response, current_app

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 500


def safe_cell(value):
    """A text that starts like a formula gets a leading apostrophe (OWASP's advice); numbers
    stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def _chunks(app, header: list[str], rows: Iterable[list]):
    """The file in pieces, read in an app context of its own (the request's has ended by
    then: its session is closed, its user detached), so `rows` must not need either."""
    with app.app_context():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(header)
        for number, row in enumerate(rows, start=1):
            writer.writerow([safe_cell(value) for value in row])
            if number % ROWS_PER_CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> Response:
    """A download of `rows` (an iterator, read as the response is sent: made of plain values
    and queries, with nothing that needs the request)."""
    response = Response(_chunks(current_app._get_current_object(), header, rows),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
