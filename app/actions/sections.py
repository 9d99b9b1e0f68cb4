"""The actions raised from a record, shown on that record's page (core.sections)."""

from flask import url_for

from app.actions import queries, sources
from app.core.permissions import user_can
from app.core.sections import register
from app.extensions import db


@register
def actions_of_record(record, user):
    kind = sources.kind_of(record)
    if kind == sources.NONE:
        return None
    return "actions/_source_section.html", {
        "actions": db.session.scalars(queries.actions_of_source(kind, record.id)).all(),
        "may_raise": user_can(user, "actions.manage"),
        "new_url": url_for("actions.new", **{kind: record.id}),
    }
