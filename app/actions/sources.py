"""What an action can be raised from. Each domain registers its record kinds (an incident, a
failed inspection answer, a stocktake variance, a work order), so that actions never import
them: the kind's label, how to load one for a user, and the address of its page."""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

NONE = "none"
NONE_LABEL = _l("Improvement or audit finding")


@dataclass(frozen=True)
class SourceKind:
    label: object
    load: Callable  # (user, record id) -> the record; 404 when the user may not open it
    url: Callable   # (record id) -> the address of the record's page
    # (user, record id) -> (template, context) shown on the action's page, or None
    panel: Callable | None = None


_KINDS: dict[str, SourceKind] = {}


def register(kind: str, label, *, load: Callable, url: Callable,
             panel: Callable | None = None) -> None:
    _KINDS[kind] = SourceKind(label=label, load=load, url=url, panel=panel)


def kinds() -> list[str]:
    return [NONE, *_KINDS]


def labels() -> dict:
    return {kind: label_of(kind) for kind in kinds()}


def label_of(kind: str):
    return _KINDS[kind].label if kind in _KINDS else NONE_LABEL if kind == NONE else kind


def kind_of(record) -> str:
    kind = getattr(record, "__entity__", None) if record is not None else None
    return kind if kind in _KINDS else NONE


def url_of(kind: str, record_id: int | None) -> str | None:
    return _KINDS[kind].url(record_id) if kind in _KINDS and record_id else None


def load(kind: str, user, record_id: int):
    return _KINDS[kind].load(user, record_id)


def panel_of(kind: str, user, record_id: int | None):
    """What the source shows of itself on an action's page (a failed answer: the question,
    the answer and its photos), or None."""
    source = _KINDS.get(kind)
    if source is None or source.panel is None or not record_id:
        return None
    return source.panel(user, record_id)
