"""Files attached to records: photos (re-encoded on the server) and PDF documents.

One mechanism for every domain: `save_image` / `save_document` / `save_file` store an upload
for a record inside the request's transaction (the file takes its name only at the commit,
and is removed again on a rollback); `register_access` names who may open the files of a
record kind; the photos of a request are checked against a budget and decoded before the view
(`prepare.py`); the photos of a refused form are kept for its next try (`pending.py`);
`flask purge` sweeps files no record points to (`storage.sweep`).
"""

from app.core.attachments.access import may_open, register_access
from app.core.attachments.images import PreparedPhoto, UploadError, chosen_files, drawn_png
from app.core.attachments.pending import attach_held, held, hold
from app.core.attachments.storage import (
    MAX_DOCUMENT_BYTES,
    attachments_for,
    clean_file_name,
    copy_attachment,
    save_document,
    save_file,
    save_image,
    sweep,
    upload_dir,
)

__all__ = ["MAX_DOCUMENT_BYTES", "PreparedPhoto", "UploadError", "attach_held", "chosen_files",
           "attachments_for", "clean_file_name", "copy_attachment", "drawn_png", "held",
           "hold", "init_app", "may_open", "register_access", "save_document", "save_file",
           "save_image", "sweep", "upload_dir"]


def init_app(app) -> None:
    from app.core.attachments import prepare

    prepare.init_app(app)
