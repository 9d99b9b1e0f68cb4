"""Sections that other domains add to a location's page (inspections, assets, bins, incidents).

A domain registers a function `panel(location) -> (template, context) | None`; the location
page renders each panel's template with its context. The sites domain knows none of them.
"""

from collections.abc import Callable

_PANELS: list[Callable] = []


def register(panel: Callable) -> Callable:
    _PANELS.append(panel)
    return panel


def location_panels(location) -> list[tuple[str, dict]]:
    return [result for panel in _PANELS if (result := panel(location)) is not None]
