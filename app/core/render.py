"""One view, a page or a fragment: the fragment is a named block whose name is its DOM id."""

from flask import get_flashed_messages, make_response, render_template, request
from jinja2_fragments.flask import render_block


def fragment_requested(fragment: str | None) -> bool:
    """True for an htmx request aimed at this block, not a boosted navigation or a restore."""
    htmx = request.htmx
    return bool(
        fragment
        and htmx
        and not htmx.boosted
        and not htmx.history_restore_request
        and htmx.target == fragment
    )


def render_page(template: str, fragment: str | None = None, status: int = 200, **context):
    if fragment_requested(fragment):
        html = render_block(template, fragment, **context)
    else:
        html = render_template(template, **context)
    response = make_response(html, status)
    response.vary.update(("HX-Request", "HX-Target"))
    return response


def form_page(template: str, *forms, fragment: str | None = None, **context):
    """A page with forms: 422 when any of them has errors (typed values kept), 200 otherwise."""
    status = 422 if any(form.errors for form in forms if form is not None) else 200
    return render_page(template, fragment, status=status, **context)


def is_fragment_request() -> bool:
    """An htmx request that swaps part of a page (so the page's #flash is not re-rendered)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def add_flash_oob(response):
    """Flash messages reach htmx fragment responses by an out-of-band swap into #flash."""
    if (
        is_fragment_request()
        and response.mimetype == "text/html"
        and response.status_code != 204
        and not response.direct_passthrough
    ):
        messages = get_flashed_messages(with_categories=True)
        if messages:
            oob = render_template("macros/_flash_oob.html", messages=messages)
            response.set_data(response.get_data(as_text=True) + oob)
    return response
