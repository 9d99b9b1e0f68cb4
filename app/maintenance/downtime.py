"""Downtime arithmetic, pure: spans of one asset may overlap (two faults at once, a span logged
twice); merged, an hour is never counted twice."""

from datetime import datetime, timedelta


def merged(spans, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The spans (start, end or None for still down) clipped to [start, end) and merged:
    overlapping or touching spans become one."""
    clipped = sorted((max(begin, start), min(finish or end, end)) for begin, finish in spans
                     if begin < end and (finish is None or finish > start))
    out: list[tuple[datetime, datetime]] = []
    for begin, finish in clipped:
        if finish <= begin:
            continue
        if out and begin <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], finish))
        else:
            out.append((begin, finish))
    return out


def total(spans, start: datetime, end: datetime) -> timedelta:
    """How long the asset was down in [start, end), every hour once."""
    return sum((finish - begin for begin, finish in merged(spans, start, end)), timedelta())
