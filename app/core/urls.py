"""Where the app may send a person back to: only its own pages (no open redirect); paths of
its own pages for links stored in notifications."""

from urllib.parse import urlsplit, urlunsplit

from flask import current_app, has_request_context, url_for

from app.core.forms import strip_control_characters


def path_for(endpoint: str, **values) -> str:
    """The path of one of the app's pages, in a request or outside one (`flask sla-check`
    notifies without a request): links stored in notifications come from the URL map."""
    if has_request_context():
        return url_for(endpoint, **values)
    adapter = current_app.url_map.bind("localhost",
                                       script_name=current_app.config["APPLICATION_ROOT"])
    return adapter.build(endpoint, values)


def local_path(target: str | None) -> str | None:
    """`target` reduced to a path (and query) on this server, or None when it is not one.

    Browsers ignore tabs and newlines inside URLs and read a backslash as a slash, so
    "/\\t/evil.example" would leave the site: such characters are removed before the check.
    """
    if not target:
        return None
    cleaned = strip_control_characters(target).replace("\t", "").replace("\n", "")
    cleaned = cleaned.replace("\r", "").replace("\\", "/")
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or \
            parts.path.startswith("//"):
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


def own_page(url: str | None) -> str | None:
    """The path of an absolute URL of this server (HX-Current-URL, Referer), else None."""
    from flask import request

    if not url:
        return None
    try:
        parts = urlsplit(strip_control_characters(url))
    except ValueError:
        return None
    if parts.netloc and parts.netloc != request.host:
        return None
    return local_path(urlunsplit(("", "", parts.path, parts.query, "")))


def this_page() -> str:
    """Where to come back to after a side trip (language switch): this page if it can be
    opened again, else the page the form was on."""
    from flask import request, url_for

    if request.method == "GET":
        return request.full_path.rstrip("?")
    return own_page(request.referrer) or url_for("dashboard.home")


def init_app(app) -> None:
    app.jinja_env.globals["this_page"] = this_page

    @app.after_request
    def _keep_address_on_failed_posts(response):
        # htmx would push the POST URL into history for a boosted form that answers 422;
        # reloading it later would be a GET on a POST-only route.
        from flask import request

        if request.method != "GET" and request.htmx and response.status_code >= 400:
            response.headers["HX-Push-Url"] = "false"
        return response
