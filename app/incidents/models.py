from datetime import datetime, time

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import PublicIdMixin, TimestampMixin
from app.extensions import db

SEVERITIES = ("low", "medium", "high", "critical")
SEVERITY_LABELS = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High"),
                   "critical": _l("Critical")}
PRIORITIES = (1, 2, 3, 4)
PRIORITY_LABELS = {1: _l("P1 – urgent"), 2: _l("P2 – high"), 3: _l("P3 – normal"),
                   4: _l("P4 – low")}
STATUSES = ("reported", "acknowledged", "in_progress", "resolved", "closed")
STATUS_LABELS = {"reported": _l("Reported"), "acknowledged": _l("Acknowledged"),
                 "in_progress": _l("In progress"), "resolved": _l("Resolved"),
                 "closed": _l("Closed")}
OPEN_STATUSES = ("reported", "acknowledged", "in_progress")
ROOT_CAUSES = ("people", "method", "equipment", "material", "environment", "supplier", "other")
ROOT_CAUSE_LABELS = {
    "people": _l("People (training, fatigue, error)"), "method": _l("Method or procedure"),
    "equipment": _l("Equipment or tools"), "material": _l("Materials or parts"),
    "environment": _l("Environment (weather, site conditions)"),
    "supplier": _l("Supplier or contractor"), "other": _l("Other"),
}

# The built-in types: code -> label. Admins add their own (with a name in each language).
BUILTIN_TYPES = {
    "injury": _l("Injury"), "near_miss": _l("Near miss"),
    "equipment_failure": _l("Equipment failure"), "security": _l("Security"),
    "environmental": _l("Environmental"), "hygiene": _l("Hygiene"),
    "customer_complaint": _l("Customer complaint"),
    "service_disruption": _l("Service disruption"), "other": _l("Other"),
}

# Who may move an incident where: "handler" is the assignee (or anyone of the assigned team).
TRANSITIONS = {
    ("reported", "acknowledged"): "handler",
    ("reported", "in_progress"): "handler",
    ("acknowledged", "in_progress"): "handler",
    ("reported", "resolved"): "handler",
    ("acknowledged", "resolved"): "handler",
    ("in_progress", "resolved"): "handler",
    ("resolved", "closed"): "manager",
}
REOPENABLE = ("resolved", "closed")


class IncidentType(TimestampMixin, db.Model):
    __entity__ = "incidenttype"  # the kind stored in audit, timeline and attachment rows
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    name_zh: Mapped[str] = mapped_column(String(100), default="")
    is_complaint: Mapped[bool] = mapped_column(default=False)
    # Which role usually handles it: suggested assignees hold this role.
    skill_role: Mapped[str] = mapped_column(String(20), default="")
    emergency_procedure: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def label(self) -> str:
        if str(get_locale()) == "zh_Hans" and self.name_zh:
            return self.name_zh
        if self.name:
            return self.name
        return str(BUILTIN_TYPES.get(self.code, self.code))


class Incident(PublicIdMixin, TimestampMixin, db.Model):
    __entity__ = "incident"  # the kind stored in audit, timeline and attachment rows
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="SET NULL"),
                                                    index=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("incident_type.id"))
    severity: Mapped[str] = mapped_column(String(10))
    priority: Mapped[int | None]
    category: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[str] = mapped_column(String(20), default="reported")
    occurred_at: Mapped[datetime]
    description: Mapped[str] = mapped_column(Text)
    people_involved: Mapped[str] = mapped_column(Text, default="")
    immediate_action: Mapped[str] = mapped_column(Text, default="")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                    index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    assigned_team: Mapped[str] = mapped_column(String(20), default="")
    due_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    resolution: Mapped[str] = mapped_column(Text, default="")
    root_cause_category: Mapped[str] = mapped_column(String(20), default="")
    root_cause: Mapped[str] = mapped_column(Text, default="")
    reopen_count: Mapped[int] = mapped_column(default=0)
    service_request_id: Mapped[int | None]  # the customer request it handles, if any
    # SLA: the targets in force when it was reported (or re-triaged), and the clock.
    ack_target_minutes: Mapped[int | None]
    resolve_target_minutes: Mapped[int | None]
    sla_business_hours: Mapped[bool] = mapped_column(default=False)
    ack_due_at: Mapped[datetime | None]
    resolve_due_at: Mapped[datetime | None] = mapped_column(index=True)
    paused_at: Mapped[datetime | None]
    paused_seconds: Mapped[int] = mapped_column(default=0)
    pause_reason: Mapped[str] = mapped_column(String(200), default="")
    ack_breach_notified: Mapped[bool] = mapped_column(default=False)
    resolve_breach_notified: Mapped[bool] = mapped_column(default=False)

    site = relationship("Site")
    location = relationship("Location")
    type = relationship("IncidentType", lazy="joined")
    reporter = relationship("User", foreign_keys=[reporter_id])
    assignee = relationship("User", foreign_keys=[assignee_id])

    __table_args__ = (
        Index("ix_incident_site_status", "site_id", "status"),
        Index("ix_incident_site_created", "site_id", "created_at"),
        Index("ix_incident_created", "created_at", "id"),  # the list's order (keyset pages)
        Index("ix_incident_assignee_status", "assignee_id", "status"),  # "assigned to me"
        Index("ix_incident_status", "status"),  # open incidents of every site (admins)
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


# Default targets when a site has no policy for a severity: (minutes to acknowledge,
# minutes to resolve, counted in business hours only).
DEFAULT_SLA = {"critical": (15, 4 * 60, False), "high": (60, 8 * 60, False),
               "medium": (4 * 60, 3 * 24 * 60, True), "low": (8 * 60, 5 * 24 * 60, True)}


class SlaPolicy(TimestampMixin, db.Model):
    """What a site promises per severity: acknowledge within, resolve within."""
    __entity__ = "slapolicy"  # the kind stored in audit, timeline and attachment rows

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    severity: Mapped[str] = mapped_column(String(10))
    ack_minutes: Mapped[int]
    resolve_minutes: Mapped[int]
    business_hours: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (db.UniqueConstraint("site_id", "severity"),)


class BusinessHours(TimestampMixin, db.Model):
    """A site's working week, for SLA clocks that only run in business hours."""
    __entity__ = "businesshours"  # the kind stored in audit, timeline and attachment rows

    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"),
                                         primary_key=True)
    days: Mapped[str] = mapped_column(String(20), default="0,1,2,3,4")  # 0 = Monday
    opens: Mapped[time] = mapped_column(default=time(8, 0))
    closes: Mapped[time] = mapped_column(default=time(18, 0))


CHANNELS = ("qr", "web", "phone", "email", "social", "walk_in")
CHANNEL_LABELS = {"qr": _l("QR poster"), "web": _l("Web page"), "phone": _l("Phone"),
                  "email": _l("E-mail"), "social": _l("Social media"),
                  "walk_in": _l("In person")}
REQUEST_KINDS = {"request": _l("Request"), "complaint": _l("Complaint")}
REQUEST_STATUSES = ("new", "in_progress", "resolved", "closed", "rejected")
REQUEST_STATUS_LABELS = {"new": _l("Received"), "in_progress": _l("Being handled"),
                         "resolved": _l("Resolved"), "closed": _l("Closed"),
                         "rejected": _l("Not taken up")}


class ServiceRequest(PublicIdMixin, TimestampMixin, db.Model):
    """A customer's request or complaint, from the public page or logged by staff."""
    __entity__ = "servicerequest"  # the kind stored in audit, timeline and attachment rows

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default="request")
    channel: Mapped[str] = mapped_column(String(20), default="web")
    description: Mapped[str] = mapped_column(Text)
    where_text: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    # The status link carries a secret token; only its hash is kept.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
    public_note: Mapped[str] = mapped_column(Text, default="")  # shown on the status page
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id",
                                                               ondelete="SET NULL"), index=True)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]
    rating: Mapped[int | None]
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None]

    site = relationship("Site")
    location = relationship("Location")
    incident = relationship("Incident")

    __table_args__ = (Index("ix_service_request_site_status", "site_id", "status"),
                      Index("ix_service_request_created", "created_at", "id"))
