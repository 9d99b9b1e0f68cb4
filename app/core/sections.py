"""Sections that one domain adds to another's record page (the corrective actions raised from
an incident). A domain registers `section(record, user) -> (template, context) | None`; the
record's page renders each; neither domain imports the other."""

from collections.abc import Callable

_SECTIONS: list[Callable] = []


def register(section: Callable) -> Callable:
    _SECTIONS.append(section)
    return section


def sections_for(record, user) -> list[tuple[str, dict]]:
    return [found for section in _SECTIONS if (found := section(record, user)) is not None]
