"""Sections that domains add to the home page (today's rounds for an inspector, their counts
for a supervisor). A domain registers `panel(user) -> (template, context) | None`; the home
page renders each after "My work". The dashboard knows none of them."""

from collections.abc import Callable

_PANELS: list[Callable] = []


def register(panel: Callable) -> Callable:
    _PANELS.append(panel)
    return panel


def home_panels(user) -> list[tuple[str, dict]]:
    return [result for panel in _PANELS if (result := panel(user)) is not None]
