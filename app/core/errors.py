"""Friendly, localized error pages that also work as htmx responses."""

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.core.db import rollback
from app.core.logsafe import clean
from app.core.render import is_fragment_request
from app.core.throttle import Throttled

MESSAGES = {
    400: (_l("Bad request"),
          _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"),
          _l("Your role does not allow this. Ask a supervisor if you need it.")),
    404: (_l("Not found"),
          _l("This page does not exist, or it belongs to a site you are not assigned to.")),
    405: (_l("Not allowed"), _l("This action cannot be done this way.")),
    413: (_l("Too large"), _l("The upload is too large. Take a smaller photo and try again.")),
    422: (_l("Please check the form"), _l("Some of what was sent could not be accepted.")),
    429: (_l("Too many attempts"),
          _l("Too many attempts in a short time. Wait a minute and try again.")),
    500: (_l("Something went wrong"),
          _l("The error has been logged. Nothing you saved earlier is lost; try again.")),
}
CSRF_MESSAGE = _l(
    "This form has expired or was sent from elsewhere. Reload the page and send it again.")


def render_error(status: int, message=None):
    # The failed transaction must go before the page reads anything (the user, the site).
    rollback()
    title, default_message = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    context = {"status": status, "title": title, "message": message or default_message}
    if is_fragment_request():
        # A fragment request must not swap a whole page into a small target: show a message.
        html = render_template("errors/_message.html", **context)
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        return html, status, headers
    return render_template("errors/error.html", **context), status


def log_refusal(status: int, reason: str = "") -> None:
    """Refused requests, with who and where (never forgeable: values are cleaned)."""
    user = getattr(current_user, "username", None) or "-"
    current_app.logger.warning("refused status=%s user=%s method=%s route=%s %s", status,
                               clean(user), request.method, clean(request.path), clean(reason))


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        log_refusal(400, f"csrf: {error.description}")
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code in (403, 429):
            log_refusal(error.code)
        if isinstance(error, Throttled):  # says the real wait
            return render_error(429, error.description)
        return render_error(error.code)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _http(error)
        current_app.logger.exception("unhandled error route=%s", clean(request.path))
        return render_error(InternalServerError.code)
