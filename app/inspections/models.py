"""Checklist templates and their versions.

A template is edited as a draft version and published: publishing freezes the version
(`published_at`), and nothing may change a published version, its sections or its questions
afterwards (`refuse_changes_to_published_versions`, below the services' own checks). A version
carries everything needed to show it forever: titles and prompts in both languages, limits,
the choices of its response sets (copied in when it is published), logic and scoring.
"""

from datetime import datetime

from flask import g, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.core.models import CreatedByMixin, PublicIdMixin, TimestampMixin, new_uuid
from app.extensions import db

KINDS = ("pass_fail", "yes_no", "choice", "number", "text", "datetime", "photo", "signature",
         "instruction")
KIND_LABELS = {
    "pass_fail": _l("Pass / fail / N-A"), "yes_no": _l("Yes / no"),
    "choice": _l("Multiple choice"), "number": _l("Number"), "text": _l("Text"),
    "datetime": _l("Date and time"), "photo": _l("Photo"), "signature": _l("Signature"),
    "instruction": _l("Instruction"),
}
# What an answer of each kind can be, for the logic of follow-up questions ("failure": any
# failing answer: fail, a failing choice, a reading outside its limits).
ANSWER_LABELS = {
    "pass": _l("Pass"), "fail": _l("Fail"), "na": _l("N/A"), "yes": _l("Yes"), "no": _l("No"),
    "failure": _l("A failure"),
}
KIND_ANSWERS = {"pass_fail": ("pass", "fail", "na", "failure"),
                "yes_no": ("yes", "no", "failure"),
                "choice": ("failure",),  # and the value of each choice
                "number": ("failure",)}
SCORED_KINDS = ("pass_fail", "yes_no", "choice", "number")
# The fixed words of an answer's inputs (_answer_inputs.html and the parts around them),
# translated once per page rather than once per question: a hundred questions made a thousand
# lookups (28 ms of 37).
ANSWER_WORDS = {
    "required": _l("required"),
    "picture": _l("The picture of this instruction"),
    "critical": _l("Critical"),
    "pass": _l("Pass"),
    "fail": _l("Fail"),
    "na": _l("N/A"),
    "yes": _l("Yes"),
    "no": _l("No"),
    "reading": _l("Reading"),
    "answer": _l("Answer"),
    "date_time": _l("Date and time"),
    "what_is_wrong": _l("What is wrong (required)"),
    "note": _l("Note"),
    "add_note": _l("Add a note"),
    "failed": _l("Failed"),
    "photo_required": _l("a photo is required"),
    "saved": _l("Saved"),
    "not_saved": _l("Not saved – tap to retry"),
    "take_photo": _l("Take a photo"),
    "add_photo": _l("Add photo"),
    "sign": _l("Signature"),
    "signature_of": _l("The inspector's signature"),
    "signed": _l("Signed"),
    "sign_first": _l("Sign in the box first."),
    "signature_pad": _l("Signature pad: draw with a finger or the mouse"),
    "needs_javascript": _l("Signing needs a browser with JavaScript."),
    "clear_pad": _l("Clear"),
    "sign_again": _l("Replace the signature"),
    "save_signature": _l("Save signature"),
}


def translated_words() -> dict[str, str]:
    return {key: str(text) for key, text in ANSWER_WORDS.items()}


def answer_label(question, value: str) -> str:
    """How an answer `question` can have reads: a choice's label, or pass / fail / a failure."""
    choice = next((c for c in question.options if c["value"] == value), None) \
        if question is not None else None
    if choice is not None:
        return localized(choice["label"], choice.get("label_zh", ""))
    return str(ANSWER_LABELS.get(value, value))
MAX_QUESTIONS = 300
MAX_SECTIONS = 50


def localized(english: str, chinese: str) -> str:
    """The Chinese text for a Chinese reader when there is one, else the English."""
    if chinese and _reads_chinese():
        return chinese
    return english or chinese


def _reads_chinese() -> bool:
    """Asked a few times per question shown: the locale looked up once per request."""
    if not has_request_context():
        return str(get_locale()) == "zh_Hans"
    if "reads_chinese" not in g:
        g.reads_chinese = str(get_locale()) == "zh_Hans"
    return g.reads_chinese


def new_key() -> str:
    return new_uuid().hex[:12]


checklist_template_site = Table(
    "checklist_template_site", db.metadata,
    Column("template_id", ForeignKey("checklist_template.id", ondelete="CASCADE"),
           primary_key=True),
    Column("site_id", ForeignKey("site.id", ondelete="CASCADE"), primary_key=True),
)


class ResponseSet(TimestampMixin, db.Model):
    """Choices shared by multiple-choice questions ("Clean / Needs attention / Dirty").
    `choices`: [{"value", "label", "label_zh", "failure"}], each value kept when the choice is
    renamed (the logic of follow-ups names it)."""

    __entity__ = "responseset"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_zh: Mapped[str] = mapped_column(String(100), default="")
    choices: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def label(self) -> str:
        return localized(self.name, self.name_zh)


class ChecklistTemplate(PublicIdMixin, TimestampMixin, CreatedByMixin, db.Model):
    __entity__ = "checklisttemplate"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The title of its newest version (draft or published), for the list and its search.
    title: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str] = mapped_column(String(200), default="")
    all_sites: Mapped[bool] = mapped_column(default=True)
    archived_at: Mapped[datetime | None]

    sites = relationship("Site", secondary=checklist_template_site, order_by="Site.name")
    versions = relationship("ChecklistVersion", back_populates="template",
                            order_by="ChecklistVersion.number", cascade="all, delete-orphan")

    @property
    def label(self) -> str:
        return localized(self.title, self.title_zh)

    @property
    def draft(self) -> "ChecklistVersion | None":
        newest = self.versions[-1] if self.versions else None
        return newest if newest is not None and newest.is_draft else None

    @property
    def published(self) -> "ChecklistVersion | None":
        """The newest published version: the one inspections start from."""
        return next((v for v in reversed(self.versions) if not v.is_draft), None)

    @property
    def status(self) -> str:
        if self.archived_at is not None:
            return "archived"
        return "published" if self.published is not None else "draft"


TEMPLATE_STATUSES = ("draft", "published", "archived")
TEMPLATE_STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published"),
                          "archived": _l("Archived")}


class ChecklistVersion(TimestampMixin, CreatedByMixin, db.Model):
    __entity__ = "checklistversion"
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("checklist_template.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    pass_threshold: Mapped[int] = mapped_column(default=80)  # % of the points
    change_note: Mapped[str] = mapped_column(String(500), default="")
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    template = relationship("ChecklistTemplate", back_populates="versions")
    published_by = relationship("User", foreign_keys=[published_by_id])
    sections = relationship("ChecklistSection", back_populates="version",
                            order_by="ChecklistSection.position", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("template_id", "number"),)

    @property
    def is_draft(self) -> bool:
        return self.published_at is None

    @property
    def label(self) -> str:
        return localized(self.title, self.title_zh)

    @property
    def questions(self) -> list["ChecklistQuestion"]:
        """Every question in the order an inspector meets them."""
        return [q for section in self.sections for q in section.questions]


class ChecklistSection(db.Model):
    __entity__ = "checklistsection"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("checklist_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200), default="")
    title_zh: Mapped[str] = mapped_column(String(200), default="")

    version = relationship("ChecklistVersion", back_populates="sections")
    questions = relationship("ChecklistQuestion", back_populates="section",
                             order_by="ChecklistQuestion.position",
                             cascade="all, delete-orphan")

    @property
    def label(self) -> str:
        return localized(self.title, self.title_zh)


class ChecklistQuestion(db.Model):
    __entity__ = "checklistquestion"
    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("checklist_section.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # Stays the same from version to version: follow-up rules and (later) answers name it.
    key: Mapped[str] = mapped_column(String(12), default=new_key)
    kind: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(String(500), default="")
    prompt_zh: Mapped[str] = mapped_column(String(500), default="")
    help: Mapped[str] = mapped_column(Text, default="")
    help_zh: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=True)
    weight: Mapped[int] = mapped_column(default=1)
    critical: Mapped[bool] = mapped_column(default=False)
    # number
    unit: Mapped[str] = mapped_column(String(20), default="")
    lower: Mapped[float | None]
    upper: Mapped[float | None]
    # choice: from a response set while a draft; its choices copied in when published
    multiple: Mapped[bool] = mapped_column(default=False)
    response_set_id: Mapped[int | None] = mapped_column(
        ForeignKey("response_set.id", ondelete="SET NULL"))
    choices: Mapped[list | None] = mapped_column(JSON)
    # on failure
    note_on_failure: Mapped[bool] = mapped_column(default=False)
    photo_on_failure: Mapped[bool] = mapped_column(default=False)
    action_on_failure: Mapped[bool] = mapped_column(default=False)
    action_priority: Mapped[int] = mapped_column(default=3)
    action_due_days: Mapped[int] = mapped_column(default=7)
    # logic: shown only when the question `show_if_key` (earlier, not itself a follow-up) was
    # answered `show_if_value` (an answer, a choice's value, or "failure")
    show_if_key: Mapped[str | None] = mapped_column(String(12))
    show_if_value: Mapped[str] = mapped_column(String(40), default="")
    # instruction: a picture of the procedure (a file of the template, shared by versions)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id",
                                                            ondelete="SET NULL"))

    section = relationship("ChecklistSection", back_populates="questions")
    response_set = relationship("ResponseSet")
    image = relationship("Attachment")

    @property
    def label(self) -> str:
        return localized(self.prompt, self.prompt_zh)

    @property
    def help_text(self) -> str:
        return localized(self.help, self.help_zh)

    @property
    def version(self) -> ChecklistVersion:
        return self.section.version

    @property
    def options(self) -> list[dict]:
        """A choice question's choices: copied into a published version; a draft's come from
        its response set, as it is now."""
        if self.choices is not None:
            return self.choices
        return list(self.response_set.choices) if self.response_set is not None else []

    @property
    def is_scored(self) -> bool:
        return self.kind in SCORED_KINDS


class PublishedVersionChanged(RuntimeError):
    """A published version was about to change: a bug, never a user's mistake (the services
    refuse it with a DomainError first)."""


def _version_of(record) -> ChecklistVersion | None:
    if isinstance(record, ChecklistVersion):
        return record
    if isinstance(record, ChecklistSection):
        return record.version
    if isinstance(record, ChecklistQuestion):
        return record.section.version if record.section is not None else None
    return None


def _was_published(version: ChecklistVersion) -> bool:
    """Published before this flush (publishing itself may still fill in the version)."""
    history = db.inspect(version).attrs.published_at.history
    before = history.deleted[0] if history.deleted else (
        None if history.added else version.published_at)
    return before is not None


@event.listens_for(Session, "before_flush")
def refuse_changes_to_published_versions(session, _context, _instances) -> None:
    for record in (*session.new, *session.dirty, *session.deleted):
        version = _version_of(record)
        if version is None or db.inspect(version).transient:
            continue
        if record in session.dirty and not session.is_modified(record):
            continue
        if _was_published(version):
            raise PublishedVersionChanged(
                f"version {version.id} of checklist {version.template_id} is published")


# --- inspections ---------------------------------------------------------------------------------

INSPECTION_STATUSES = ("in_progress", "completed")
INSPECTION_STATUS_LABELS = {"in_progress": _l("In progress"), "completed": _l("Completed")}


class Inspection(PublicIdMixin, TimestampMixin, db.Model):
    """A checklist answered at a location, against the version it was started with."""

    __entity__ = "inspection"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_template.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("checklist_version.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id",
                                                               ondelete="SET NULL"))
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    started_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    # where the device was when it started, if its user allowed it
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # the score when completed (inspections.scoring)
    points: Mapped[int | None]
    possible: Mapped[int | None]
    passed: Mapped[bool | None]
    reopen_count: Mapped[int] = mapped_column(default=0)
    # the inspector's signature, drawn at the end (an image attachment of the inspection)
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id",
                                                                ondelete="SET NULL"))

    template = relationship("ChecklistTemplate")
    signature = relationship("Attachment", foreign_keys=[signature_id])
    version = relationship("ChecklistVersion")
    site = relationship("Site")
    location = relationship("Location")
    inspector = relationship("User")
    answers = relationship("InspectionAnswer", back_populates="inspection",
                           cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_inspection_started", "started_at", "id"),  # the list's order, all my sites
        Index("ix_inspection_inspector_started", "inspector_id", "started_at", "id"),  # mine
        Index("ix_inspection_inspector_status", "inspector_id", "status"),  # mine, unfinished
        Index("ix_inspection_location_started", "location_id", "started_at"),  # its panel
        # the history's filters, each in the list's order
        Index("ix_inspection_template_started", "template_id", "started_at", "id"),
        Index("ix_inspection_site_started", "site_id", "started_at", "id"),
    )

    @property
    def is_open(self) -> bool:
        return self.status == "in_progress"

    @property
    def percent(self) -> float | None:
        return 100 * self.points / self.possible if self.possible else None

    def answer_values(self) -> dict:
        return {answer.question_key: answer.value for answer in self.answers}


class InspectionAnswer(TimestampMixin, db.Model):
    """One question's answer in an inspection, saved as it is given (one row per question:
    a new answer replaces the old)."""

    __entity__ = "inspectionanswer"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(12))
    value: Mapped[object | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    failed: Mapped[bool] = mapped_column(default=False)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id",
                                                                  ondelete="SET NULL"))

    inspection = relationship("Inspection", back_populates="answers")

    __table_args__ = (
        UniqueConstraint("inspection_id", "question_key"),
        # the figures' questions that fail most: counted from this index alone (a site's
        # 8 weeks: 17,000 answers read in 4 ms, 7 ms from the table)
        Index("ix_inspection_answer_failures", "inspection_id", "question_key", "failed"),
    )

    @property
    def reference(self) -> str:
        """What an action raised from it shows as its source."""
        return self.inspection.reference

    @property
    def site_id(self) -> int:
        return self.inspection.site_id
