"""Dates worded once per language and format (app.core.i18n.day_text) say what Flask-Babel
says; a datetime still goes through the user's zone."""

from datetime import date, datetime

from flask_babel import force_locale, format_date

from app.core.i18n import day_text


def test_a_date_is_worded_as_flask_babel_words_it_in_each_language(app):
    day = date(2027, 1, 31)
    with app.test_request_context():
        for locale in ("en", "zh_Hans"):
            with force_locale(locale):
                for fmt in ("medium", "full", "EEE d"):
                    assert day_text(day, fmt) == format_date(day, fmt)
                    assert day_text(day, fmt) == day_text(day, fmt)  # the cached one
        with force_locale("zh_Hans"):
            assert "2027" in day_text(day) and "1" in day_text(day)
        moment = datetime(2027, 1, 31, 20, 0)
        assert day_text(moment) == format_date(moment, "medium")
        assert day_text(None) == ""
