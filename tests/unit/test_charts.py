"""Charts drawn on the server: where the points and bars go, gaps for nothing to count, and a
description worded from the data; CSV cells that a spreadsheet would run are neutralised."""

from app.core import charts
from app.core.csv_export import safe_cell


def test_a_line_leaves_a_gap_where_there_is_nothing_to_count(app):
    with app.test_request_context():
        chart = charts.line("Average score", ["w1", "w2", "w3", "w4"], [50, None, 100, 75],
                            unit="%", maximum=100)
    assert len(chart.points) == 3 and len(chart.segments) == 2  # broken at the gap
    (x1, y1), (_x3, y3) = chart.points[0], chart.points[1]
    assert x1 == charts.PAD and y3 == charts.PAD  # 100 % at the top
    assert y1 == charts.HEIGHT / 2  # 50 % half way
    assert chart.description == "From 50% (w1) to 75% (w4); highest 100%, lowest 50%."


def test_bars_and_an_empty_chart(app):
    with app.test_request_context():
        chart = charts.bar("Failures", ["a", "b"], [4, 2])
        empty = charts.bar("Rounds done on time", ["w1", "w2"], [None, None], unit="%")
    assert [round(h) for _x, _y, _w, h in chart.bars] == [104, 52]
    assert empty.empty and empty.bars == []
    assert empty.description == "Nothing to count in this period."


def test_numbers_as_the_table_says_them():
    assert charts.number_text(None, "%") == "-"  # not 0 %
    assert charts.number_text(87.25, "%") == "87.2%"
    assert charts.number_text(3, "h") == "3 h"


def test_cells_a_spreadsheet_would_run_are_neutralised():
    assert [safe_cell(v) for v in ("=1+1", "+86 21", "-2", "@SUM(A1)", "\tx", "ok", "漏水")] == [
        "'=1+1", "'+86 21", "'-2", "'@SUM(A1)", "'\tx", "ok", "漏水"]
    assert safe_cell(-2.5) == -2.5 and safe_cell(None) == ""  # numbers stay numbers
