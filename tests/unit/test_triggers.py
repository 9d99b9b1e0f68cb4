"""The arithmetic of preventive maintenance triggers (app.maintenance.triggers), pure, and the
PM calendar's day numbers (app.maintenance.pm_calendar) against it."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from dateutil.relativedelta import relativedelta

from app.maintenance.pm_calendar import Window, _offsets
from app.maintenance.triggers import (
    Calendar,
    MeterRule,
    add_months,
    calendar_baseline_after,
    calendar_baseline_skipped,
    grid_after,
    projected_dates,
    step,
)


def test_months_are_counted_from_the_start_so_the_31st_stays_the_31st():
    start = date(2027, 1, 31)
    assert [step(start, 1, "month", n) for n in range(4)] == [
        date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]
    assert step(date(2028, 1, 31), 1, "month") == date(2028, 2, 29)  # a leap year


def test_grid_dates_after_a_day():
    assert grid_after(date(2027, 1, 1), 2, "week", date(2027, 1, 14)) == date(2027, 1, 15)
    assert grid_after(date(2027, 1, 1), 2, "week", date(2027, 1, 15)) == date(2027, 1, 29)
    assert grid_after(date(2027, 1, 1), 10, "day", date(2026, 6, 1)) == date(2027, 1, 1)
    assert grid_after(date(2027, 1, 31), 1, "month", date(2027, 2, 28)) == date(2027, 3, 31)
    assert grid_after(date(2027, 1, 31), 3, "month", date(2027, 1, 31)) == date(2027, 4, 30)
    assert grid_after(date(2027, 1, 31), 3, "month", date(2028, 1, 30)) == date(2028, 1, 31)


def test_a_fixed_calendar_stays_on_its_grid_done_late_or_early():
    monthly = Calendar(1, "month", True, date(2027, 1, 31))
    assert monthly.due_after(None) == date(2027, 1, 31)  # first due on the start date
    late = calendar_baseline_after(monthly, served_due=date(2027, 1, 31),
                                   done_on=date(2027, 2, 10), previous=None)
    assert monthly.due_after(late) == date(2027, 2, 28)  # the grid, not 10 March
    early = calendar_baseline_after(monthly, served_due=date(2027, 2, 28),
                                    done_on=date(2027, 2, 20), previous=late)
    assert monthly.due_after(early) == date(2027, 3, 31)  # not 28 February again
    very_late = calendar_baseline_after(monthly, served_due=date(2027, 3, 31),
                                        done_on=date(2027, 5, 2), previous=early)
    assert monthly.due_after(very_late) == date(2027, 5, 31)  # April is not owed twice


def test_a_floating_calendar_counts_from_the_completion():
    every_10 = Calendar(10, "day", False, date(2027, 1, 1))
    done = calendar_baseline_after(every_10, served_due=date(2027, 1, 1),
                                   done_on=date(2027, 1, 4), previous=None)
    assert every_10.due_after(done) == date(2027, 1, 14)
    monthly = Calendar(1, "month", False, date(2027, 1, 31))
    assert monthly.due_after(date(2027, 1, 31)) == date(2027, 2, 28)


def test_a_skip_counts_on_from_the_date_it_was_due():
    floating = Calendar(7, "day", False, date(2027, 1, 1))
    baseline = calendar_baseline_skipped(floating, served_due=date(2027, 1, 8),
                                         previous=date(2027, 1, 1))
    assert floating.due_after(baseline) == date(2027, 1, 15)


def test_lead_days_open_the_work_before_it_is_due():
    calendar = Calendar(1, "month", True, date(2027, 3, 1), lead_days=5)
    assert calendar.opens_on(date(2027, 3, 1)) == date(2027, 2, 24)


def test_a_meter_every_n_units_from_its_baseline_with_a_lead():
    rule = MeterRule(every=Decimal(500), lead_units=Decimal(50))
    assert rule.due_reading(Decimal(1200)) == Decimal(1700)
    assert rule.reason(Decimal(1649), Decimal(1200)) is None
    assert rule.reason(Decimal(1650), Decimal(1200)) == "meter"  # within the lead
    assert rule.reason(Decimal(1800), Decimal(1200)) == "meter"
    assert rule.reason(None, Decimal(1200)) is None


@pytest.mark.parametrize(("value", "reason"), [
    (Decimal("80.1"), "above"), (Decimal(80), None), (Decimal("19.9"), "below"),
    (Decimal(20), None), (Decimal(50), None)])
def test_a_reading_above_or_below_a_limit(value, reason):
    assert MeterRule(above=Decimal(80), below=Decimal(20)).reason(value, None) == reason


def test_the_calendar_projected_over_eight_weeks():
    weekly = Calendar(1, "week", True, date(2027, 1, 4))
    dates = projected_dates(weekly, date(2027, 1, 4), until=date(2027, 2, 28))
    assert dates == [date(2027, 1, 4), date(2027, 1, 11), date(2027, 1, 18), date(2027, 1, 25),
                     date(2027, 2, 1), date(2027, 2, 8), date(2027, 2, 15), date(2027, 2, 22)]


def test_calendar_and_meter_projected_whichever_comes_first():
    # every 30 days, or every 500 h with the meter using a 500 h interval in 20 days: the meter
    # comes first each time, and each completion starts the 30 days again (floating)
    floating = Calendar(30, "day", False, date(2027, 1, 1))
    dates = projected_dates(floating, date(2027, 1, 31), meter_due_on=date(2027, 1, 15),
                            meter_period_days=20, until=date(2027, 3, 1))
    assert dates == [date(2027, 1, 15), date(2027, 2, 4), date(2027, 2, 24)]
    # a slow meter: the calendar comes first, and resets the meter's count too
    dates = projected_dates(floating, date(2027, 1, 31), meter_due_on=date(2027, 2, 20),
                            meter_period_days=40, until=date(2027, 3, 31))
    assert dates == [date(2027, 1, 31), date(2027, 3, 2)]


def test_a_meter_only_plan_projected_at_its_rate():
    dates = projected_dates(None, None, meter_due_on=date(2027, 1, 10), meter_period_days=14,
                            until=date(2027, 2, 10))
    assert dates == [date(2027, 1, 10), date(2027, 1, 24), date(2027, 2, 7)]
    assert projected_dates(None, None, until=date(2027, 2, 10)) == []


def test_add_months_is_relativedeltas_month_arithmetic():
    day = date(2027, 1, 1)
    for _ in range(800):  # every day of two years and more, 0 to 40 months on
        for months in (0, 1, 2, 3, 11, 12, 13, 40):
            assert add_months(day, months) == day + relativedelta(months=months)
        day += timedelta(days=1)


def test_the_pm_calendars_day_numbers_agree_with_the_projection():
    """pm_calendar steps through days, weeks and months on integers; the projection of
    triggers says the same dates (a plan done on each due date)."""
    first_day = date(2027, 1, 4)  # a Monday
    window = Window(first_day, 2, 56)
    until = first_day + timedelta(days=55)
    for every, unit, fixed, starts, due in (
            (1, "week", True, date(2026, 1, 6), date(2027, 1, 12)),
            (3, "day", False, date(2026, 1, 6), date(2027, 1, 7)),
            (1, "month", True, date(2026, 1, 31), date(2027, 1, 31)),
            (1, "month", False, date(2026, 1, 31), date(2027, 1, 31)),
            (2, "month", True, date(2026, 3, 31), date(2027, 1, 31))):
        plan = SimpleNamespace(meter_id=None, every=every, every_unit=unit, fixed=fixed,
                               starts_on=starts, next_due_on=due)
        expected = projected_dates(Calendar(every, unit, fixed, starts), due, until=until)
        assert [first_day + timedelta(days=o) for o in _offsets(plan, None, window, False)] \
            == expected, (every, unit, fixed)
        assert [first_day + timedelta(days=o) for o in _offsets(plan, None, window, True)] \
            == expected[1:], (every, unit, fixed)
