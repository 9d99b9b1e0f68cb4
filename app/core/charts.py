"""Small charts drawn on the server as SVG (templates/macros/charts.html): no chart framework
in the browser. This module does the arithmetic (where each point and bar goes) and words a
description from the data, for screen readers and for the chart's title; the page shows the
numbers in a table beside it. A value of None is "nothing to count": no point, no bar, and "-"
in the table, never 0."""

from dataclasses import dataclass, field

WIDTH, HEIGHT = 320, 120
PAD = 8  # room for the line's width and the dots at the edges


@dataclass
class Chart:
    kind: str  # "line", "bar" or "sparkline"
    title: str
    description: str
    labels: list[str]
    values: list[float | None]
    unit: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    points: list[tuple[float, float]] = field(default_factory=list)  # line: (x, y) drawn
    segments: list[str] = field(default_factory=list)  # line: "x,y x,y" runs without a gap
    bars: list[tuple[float, float, float, float]] = field(default_factory=list)  # x y w h

    @property
    def empty(self) -> bool:
        return all(v is None for v in self.values)


def _scale(values: list[float | None], maximum: float | None) -> float:
    top = maximum if maximum is not None else max((v for v in values if v is not None),
                                                  default=0)
    return top or 1


def _y(value: float, top: float, height: int) -> float:
    return round(height - PAD - (height - 2 * PAD) * min(value, top) / top, 1)


def line(title: str, labels: list[str], values: list[float | None], *, unit: str = "",
         maximum: float | None = None, describe=None, width: int = WIDTH,
         height: int = HEIGHT, kind: str = "line") -> Chart:
    """A line over `labels` (weeks, say); a None leaves a gap in the line."""
    top = _scale(values, maximum)
    step = (width - 2 * PAD) / max(len(values) - 1, 1)
    chart = Chart(kind, title, (describe or describe_series)(title, labels, values, unit),
                  labels, values, unit, width, height)
    run: list[str] = []
    for number, value in enumerate(values):
        if value is None:
            if run:
                chart.segments.append(" ".join(run))
            run = []
            continue
        point = (round(PAD + number * step, 1), _y(value, top, height))
        chart.points.append(point)
        run.append(f"{point[0]},{point[1]}")
    if run:
        chart.segments.append(" ".join(run))
    return chart


def sparkline(title: str, labels: list[str], values: list[float | None], *,
              unit: str = "", maximum: float | None = None) -> Chart:
    """A line small enough for a table cell or a tile: no axes, the same description."""
    return line(title, labels, values, unit=unit, maximum=maximum, width=120, height=32,
                kind="sparkline")


def bar(title: str, labels: list[str], values: list[float | None], *, unit: str = "",
        maximum: float | None = None, describe=None, width: int = WIDTH,
        height: int = HEIGHT) -> Chart:
    """Upright bars, one per label."""
    top = _scale(values, maximum)
    slot = (width - 2 * PAD) / max(len(values), 1)
    chart = Chart("bar", title, (describe or describe_series)(title, labels, values, unit),
                  labels, values, unit, width, height)
    for number, value in enumerate(values):
        if value is None:
            continue
        y = _y(value, top, height)
        chart.bars.append((round(PAD + number * slot + slot * 0.15, 1), y,
                           round(slot * 0.7, 1), round(height - PAD - y, 1)))
    return chart


def number_text(value: float | None, unit: str = "") -> str:
    """As the table and the description say it: "-" for nothing to count."""
    if value is None:
        return "-"
    text = f"{value:.0f}" if abs(value - round(value)) < 0.05 or abs(value) >= 100 \
        else f"{value:.1f}"
    return f"{text} {unit}".strip() if unit and unit != "%" else f"{text}{unit}"


def describe_series(title: str, labels: list[str], values: list[float | None],
                    unit: str = "") -> str:
    """ "From A (first label) to B (last label); highest H, lowest L." in the reader's
    language (the chart's title names it apart)."""
    from flask_babel import gettext as _

    known = [(label, value) for label, value in zip(labels, values, strict=False)
             if value is not None]
    if not known:
        return _("Nothing to count in this period.")
    first, last = known[0], known[-1]
    return _("From %(first)s (%(first_label)s) to %(last)s (%(last_label)s); "
             "highest %(high)s, lowest %(low)s.",
             first=number_text(first[1], unit), first_label=first[0],
             last=number_text(last[1], unit), last_label=last[0],
             high=number_text(max(v for _l, v in known), unit),
             low=number_text(min(v for _l, v in known), unit))
