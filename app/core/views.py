"""Routes of the shared mechanisms: attachment files, the audit log, health."""

from datetime import datetime

from flask import abort, current_app, redirect, send_from_directory, url_for
from flask_login import current_user
from sqlalchemy import text

from app.core import audit, bp, notifications, queries
from app.core.attachments import clean_file_name, may_open, upload_dir
from app.core.attachments.pending import PENDING
from app.core.models import Attachment, Notification
from app.core.pagination import keyset_page
from app.core.params import text_arg
from app.core.permissions import public, requires
from app.core.render import render_page
from app.extensions import db


def _visible_attachment(public_id) -> Attachment:
    """The file of a record the user may open (the rule its domain registered); 404 otherwise.

    Signed out, only the photos a visitor sent with a refused form (the public request form
    shows them again); anything else asks to sign in first."""
    attachment = db.session.scalar(queries.attachment_by_public_id(public_id))
    if not current_user.is_authenticated and (
            attachment is None or attachment.entity_type != PENDING
            or not may_open(current_user, attachment)):
        abort(current_app.login_manager.unauthorized())
    if attachment is None or not may_open(current_user, attachment):
        abort(404)
    return attachment


def _send(name: str, mimetype: str, download_name: str | None = None):
    response = send_from_directory(upload_dir(), name, mimetype=mimetype, max_age=86400,
                                   as_attachment=download_name is not None,
                                   download_name=download_name)
    response.headers["Cache-Control"] = "private, max-age=86400"
    if download_name is None:
        response.headers["Content-Disposition"] = "inline"
    else:  # a document is downloaded, and could not run anything if opened here
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.route("/attachments/<uuid:public_id>")
@public  # the rule is the record's (_visible_attachment)
def attachment(public_id):
    found = _visible_attachment(public_id)
    if found.content_type == "application/pdf":
        return _send(found.stored_name, "application/pdf",
                     download_name=clean_file_name(found.original_name, "document.pdf"))
    return _send(found.stored_name, found.content_type)  # a photo (JPEG) or a drawing (PNG)


@bp.route("/attachments/<uuid:public_id>/thumb")
@public  # the rule is the record's (_visible_attachment)
def attachment_thumb(public_id):
    found = _visible_attachment(public_id)
    if not found.thumb_name:
        abort(404)
    return _send(found.thumb_name, found.content_type)


def _audit_filters() -> dict:
    def day(name):
        try:
            value = datetime.strptime(text_arg(name, 10), "%Y-%m-%d")
        except ValueError:
            return None
        return value if 1900 < value.year < 9000 else None  # "until" adds a day

    return {
        "entity": text_arg("entity", 40),
        "action": text_arg("action", 40),
        "actor": text_arg("actor", 40),
        "since": day("since"),
        "until": day("until"),
    }


@bp.route("/admin/audit")
@requires("audit.view")
def audit_log():
    filters = _audit_filters()
    page = keyset_page(queries.audit_query(filters), *queries.AUDIT_ORDER)
    # The menus come from what the code registers, not from the log (a big table).
    entity_types, actions = sorted(audit.ENTITY_LABELS), sorted(audit.ACTION_SENTENCES)
    return render_page("core/audit.html", "audit_rows", page=page, filters=filters,
                       entity_types=entity_types, actions=actions)


@bp.route("/healthz")
@public
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok", "version": current_app.config.get("VERSION", "0.1.0")}


@bp.route("/notifications")
@requires("notifications.view")
def notifications_page():
    page = keyset_page(notifications.recent_for(current_user), *notifications.NOTIFICATION_ORDER)
    return render_page("core/notifications.html", page=page, text_of=notifications.text_of)


@bp.route("/notifications/count")
@requires("notifications.view")
def notifications_count():
    """The bell's badge, polled by htmx."""
    return render_page("core/_bell.html", unread=notifications.unread_count(current_user))


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@requires("notifications.view")
def notification_open(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    notifications.mark_read(current_user, notification.id)
    target = notification.link if notification.link.startswith("/") and not \
        notification.link.startswith("//") else url_for("core.notifications_page")
    return redirect(target, 303)


@bp.route("/notifications/read", methods=["POST"])
@requires("notifications.view")
def notifications_read():
    notifications.mark_read(current_user)
    return redirect(url_for("core.notifications_page"), 303)
