"""Merged downtime: overlapping spans of one asset count once, open spans run to the end of
the period, spans outside it count nothing."""

from datetime import datetime, timedelta

from app.maintenance.downtime import merged, total

DAY = datetime(2026, 12, 1)


def at(hour: float) -> datetime:
    return DAY + timedelta(hours=hour)


def test_overlapping_spans_count_once():
    spans = [(at(1), at(5)), (at(3), at(8)), (at(10), at(11))]
    assert merged(spans, at(0), at(24)) == [(at(1), at(8)), (at(10), at(11))]
    assert total(spans, at(0), at(24)) == timedelta(hours=8)


def test_a_span_inside_another_and_touching_spans():
    spans = [(at(2), at(9)), (at(3), at(4)), (at(9), at(10))]
    assert merged(spans, at(0), at(24)) == [(at(2), at(10))]


def test_an_open_span_runs_to_the_end_of_the_period():
    assert total([(at(20), None)], at(0), at(24)) == timedelta(hours=4)


def test_spans_are_clipped_to_the_period():
    spans = [(at(-5), at(2)), (at(23), at(30)), (at(-10), at(-8)), (at(30), at(31))]
    assert total(spans, at(0), at(24)) == timedelta(hours=3)


def test_nothing_down_is_nothing():
    assert total([], at(0), at(24)) == timedelta(0)
    assert merged([(at(5), at(5))], at(0), at(24)) == []  # an empty span
