"""Scheduled rounds: a published checklist to be done at locations of a site, repeating.

A schedule's rule is kept as versions (`RoundRule`, each in force from `effective_from` until
the next one): an edit, a pause or a resume adds a version in force from that moment, so
that occurrences already open or past are computed from the rule they had and keep their
status. Occurrences are computed (rounds.recurrence), never stored ahead; an inspection
started for one is linked to it by a `RoundVisit`, and a missed round told to supervisors
leaves a `RoundNotice` so that it is told once.
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import CreatedByMixin, TimestampMixin
from app.extensions import db

FREQUENCIES = ("daily", "weekly", "monthly")
FREQUENCY_LABELS = {"daily": _l("Every day"), "weekly": _l("Every week"),
                    "monthly": _l("Every month")}
WEEKDAY_LABELS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
                  _l("Saturday"), _l("Sunday"))
ORDINAL_LABELS = {1: _l("first"), 2: _l("second"), 3: _l("third"), 4: _l("fourth"),
                  -1: _l("last")}
# Rounds are assigned to a person, or to everyone of a role at the site.
ASSIGNABLE_ROLES = ("inspector", "supervisor")

STATUSES = ("upcoming", "open", "overdue", "missed", "on_time", "late")
STATUS_LABELS = {"upcoming": _l("Upcoming"), "open": _l("Open"), "overdue": _l("Overdue"),
                 "missed": _l("Missed"), "on_time": _l("Done on time"),
                 "late": _l("Done late")}


class RoundSchedule(TimestampMixin, CreatedByMixin, db.Model):
    """What is scheduled, and where: the rest is in its rule's versions."""

    __entity__ = "roundschedule"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_template.id",
                                                        ondelete="CASCADE"))

    site = relationship("Site")
    template = relationship("ChecklistTemplate")
    rules = relationship("RoundRule", back_populates="schedule", cascade="all, delete-orphan",
                         order_by="RoundRule.effective_from")

    @property
    def rule(self) -> "RoundRule":
        """The version in force now (or, before it starts, the one that will be)."""
        return self.rules[-1]

    @property
    def title(self) -> str:
        return self.template.label


class RoundRule(db.Model):
    """One version of a schedule's rule, in force from `effective_from` (UTC)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("round_schedule.id",
                                                        ondelete="CASCADE"))
    effective_from: Mapped[datetime]
    paused: Mapped[bool] = mapped_column(default=False)
    frequency: Mapped[str] = mapped_column(String(10))
    # local opening times, "HH:MM", sorted: several a day is one per shift
    times: Mapped[list] = mapped_column(JSON)
    weekdays: Mapped[list] = mapped_column(JSON, default=list)  # weekly: 0 = Monday
    month_day: Mapped[int | None]  # monthly on a day (29-31: the month's last day if shorter)
    month_ordinal: Mapped[int | None]  # monthly on the first..fourth (1-4) or last (-1) ...
    month_weekday: Mapped[int | None]  # ... weekday (0 = Monday)
    window_minutes: Mapped[int]  # due this long after it opens
    grace_minutes: Mapped[int]  # then missed this long after it was due
    location_ids: Mapped[list] = mapped_column(JSON)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    assignee_role: Mapped[str | None] = mapped_column(String(20))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]

    schedule = relationship("RoundSchedule", back_populates="rules")
    assignee = relationship("User")

    __table_args__ = (Index("ix_round_rule_schedule", "schedule_id", "effective_from"),)


class RoundVisit(db.Model):
    """The inspection started for an occurrence: which schedule, where, and when it opened."""

    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id", ondelete="CASCADE"),
                                               primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("round_schedule.id",
                                                        ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    opens_at: Mapped[datetime]

    inspection = relationship("Inspection")

    __table_args__ = (
        # one inspection per occurrence: starting it again resumes that one
        UniqueConstraint("schedule_id", "opens_at", "location_id", name="uq_round_visit"),
    )


class RoundNotice(db.Model):
    """A missed occurrence its site's supervisors were told about (`flask rounds-check`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("round_schedule.id",
                                                        ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    opens_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("schedule_id", "opens_at", "location_id", name="uq_round_notice"),
    )
