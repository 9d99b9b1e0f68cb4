"""CSV imports (assets, stock items): a file read as UTF-8 or GB18030, a header that names the
columns, every row checked by the same rules as the form (each created inside a savepoint),
every bad row listed, and nothing kept unless every row is good. A dry run checks and keeps
nothing either way."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.core.domain import DomainError
from app.extensions import db

MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024


@dataclass
class Problem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class Report:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    imported: int = 0

    @property
    def good(self) -> bool:
        return self.rows > 0 and not self.problems


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), or GB18030 as Chinese spreadsheet programs
    save it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(_("The file is not text (UTF-8 or GB18030)."), field="file")


def import_rows(text: str, *, columns: tuple[str, ...], required: tuple[str, ...],
                import_row: Callable[[dict, int, Report], None], dry_run: bool) -> Report:
    """Check the header, then give each row (its number, the report) to `import_row`, which
    adds its problems or creates its record; all of it is kept only when every row is good
    and it is no dry run."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name and name not in columns]
    if missing or unknown:
        raise DomainError(_("The first row names the columns: %(required)s at least, and "
                            "any of %(columns)s. Not understood: %(unknown)s.",
                            required=_(" and ").join(required), columns=", ".join(columns),
                            unknown=", ".join(missing + unknown)), field="file")
    reader.fieldnames = header
    report = Report()
    outer = db.session.begin_nested()  # everything, kept only at the end if all is good
    for number, row in enumerate(reader, start=2):
        report.rows += 1
        if report.rows > MAX_ROWS:
            raise DomainError(_("At most %(count)d rows at a time.", count=MAX_ROWS),
                              field="file")
        import_row(row, number, report)
    if dry_run or report.problems:
        outer.rollback()
    else:
        outer.commit()
        report.imported = report.rows
    return report


def create_in_savepoint(create: Callable[[], object], number: int, report: Report,
                        columns: dict | None = None) -> None:
    """Run one row's service; its DomainError becomes the row's problem (on the column
    `columns` names for the error's field)."""
    savepoint = db.session.begin_nested()
    try:
        create()
    except DomainError as error:
        savepoint.rollback()
        name = error.field or ""
        report.problems.append(Problem(number, (columns or {}).get(name, name), str(error)))
    else:
        savepoint.commit()


@dataclass
class Sent:
    """What a check-then-import form was sent, and what came of it."""

    report: Report | None = None
    text: str = ""  # the file's text, carried to the import after a good check
    imported: bool = False  # every row good, and imported


def check_or_import(form, run: Callable[[str, bool], Report]) -> Sent:
    """The form's file checked (its "do" button says check) or imported ("import"):
    `run(text, dry_run)` is the domain's import; a refused file is said on the file field."""
    from flask import request

    sent = Sent()
    if not form.validate_on_submit():
        return sent
    importing = request.form.get("do") == "import"
    try:
        sent.text = read_upload(form)
        sent.report = run(sent.text, not importing)
    except DomainError as error:
        form.file.errors.append(str(error))
        return sent
    sent.imported = importing and sent.report.good
    if not sent.report.good:
        sent.text = ""
    return sent


def read_upload(form) -> str:
    """The text of the form's file (or, after a good check, of its hidden copy)."""
    upload = form.file.data
    text = decode(upload.read(MAX_BYTES + 1)) if upload and upload.filename else \
        form.csv_text.data or ""
    if len(text) > MAX_BYTES:
        raise DomainError(_("The file is larger than 2 MB."), field="file")
    if not text.strip():
        raise DomainError(_("Choose a CSV file first."), field="file")
    return text
