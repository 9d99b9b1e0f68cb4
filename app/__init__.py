"""Fieldbook: the application factory."""

import logging

from flask import Flask
from werkzeug.routing import IntegerConverter, UnicodeConverter

from app import config as settings
from app.extensions import babel, compress, csrf, db, htmx, login_manager, migrate


def create_app(config: dict | type | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(settings.ROOT / "templates"),
        static_folder=str(settings.ROOT / "static"),
    )
    settings.load(app, config)
    if proxies := app.config["TRUSTED_PROXIES"]:
        # Client address (sign-in throttling, logs) and https from the proxy's headers.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    _init_extensions(app)
    _register_blueprints(app)
    _init_core(app)
    from app import cli

    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app.core.i18n import select_locale, select_timezone

    # First: its after_request runs last, on the finished body (flash messages included).
    compress.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")


class RecordId(IntegerConverter):
    """<int:...> in URLs: a database id, so a 30-digit number is a 404, not an overflow."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class PathText(UnicodeConverter):
    """<name> in URLs: no control characters, so a NUL is a 404 on every database
    (PostgreSQL refuses NUL in a string parameter instead of finding nothing)."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]")


def _register_blueprints(app: Flask) -> None:
    from app import (
        actions,
        auth,
        core,
        dashboard,
        incidents,
        inspections,
        maintenance,
        rounds,
        sites,
        stock,
    )

    app.url_map.converters["int"] = RecordId
    app.url_map.converters["default"] = app.url_map.converters["string"] = PathText

    app.register_blueprint(core.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(sites.bp, url_prefix="/sites")
    app.register_blueprint(incidents.bp, url_prefix="/incidents")
    app.register_blueprint(actions.bp, url_prefix="/actions")
    app.register_blueprint(inspections.bp, url_prefix="/inspections")
    app.register_blueprint(rounds.bp, url_prefix="/rounds")
    app.register_blueprint(maintenance.bp, url_prefix="/maintenance")
    app.register_blueprint(stock.bp, url_prefix="/stock")
    app.register_blueprint(dashboard.bp)


def _init_core(app: Flask) -> None:
    # Import every model so that metadata (and Alembic's autogenerate) sees all tables.
    from app.actions import models as _action_models  # noqa: F401
    from app.auth import models as _auth_models  # noqa: F401
    from app.auth.session import init_login
    from app.core import (
        assets,
        attachments,
        errors,
        i18n,
        notifications,
        pagination,
        security,
        timeline,
        urls,
    )
    from app.core import db as core_db
    from app.core import models as _core_models  # noqa: F401
    from app.core.render import add_flash_oob
    from app.incidents import models as _incident_models  # noqa: F401
    from app.inspections import models as _inspection_models  # noqa: F401
    from app.maintenance import models as _maintenance_models  # noqa: F401
    from app.rounds import models as _round_models  # noqa: F401
    from app.sites import models as _site_models  # noqa: F401
    from app.stock import models as _stock_models  # noqa: F401

    core_db.init_app(app)
    attachments.init_app(app)
    init_login(app)
    errors.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    assets.init_app(app)
    notifications.init_app(app)
    timeline.init_app(app)
    pagination.init_app(app)
    urls.init_app(app)
    app.after_request(add_flash_oob)
