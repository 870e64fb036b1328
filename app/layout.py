"""The page layout's fixed parts, rendered once per app instead of on every request.

The skip link, the header (with the service navigation) and the footer come from the
GOV.UK Frontend macros; running them on every page was about half the time of the
cheapest signed-in page (issue 13). Their HTML depends only on the app (policy, URLs),
on whether someone is signed in and on which page is open, never on who it is.
So each block is rendered once for each such variant and kept; what does differ
between requests (the CSRF token in the sign-out form, the page a feedback link names)
is left as a hole in the kept HTML and filled in on every request.

A template block uses it like this (`super` renders the block as GOV.UK Frontend wrote
it, so the kept HTML is exactly what the page had before):

    {% block header %}{{ layout_piece("header", variant, super, csrf_token=token) }}{% endblock %}

and inside the block the per-request value is written `{{ layout_hole("csrf_token") }}`.
With the setting LAYOUT_CACHE off every piece is rendered afresh, holes filled at
once: the tests compare the two.

A whole page can be kept the same way (`render_kept_page`): the cheapest signed-in page,
the account home, spent most of its time in Jinja although its HTML differs between
people only in a few values. The view names those values as holes; the layout's own
per-request values (the CSRF token, the CSP nonce, whose device copies a page may
keep) are holes too, through `request_value`. While a page is being kept, the template
sees a `current_user` that says only whether someone is signed in, so a page that
prints anything else about the person fails loudly instead of keeping it for everyone.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Callable, Hashable, MutableMapping
from typing import Any

from flask import Flask, current_app, g, render_template, request, session
from flask.templating import Environment as FlaskEnvironment
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from app.security import csp_nonce

# A marker no rendered page contains (NUL is not allowed in HTML); the name says which hole.
_HOLE = "\x00layout-hole:{}\x00"
_HOLE_PATTERN = re.compile("\x00layout-hole:([a-z_]+)\x00")

# Literal HTML, then the name of the hole after it (None after the last literal).
Stencil = tuple[tuple[str, str | None], ...]


# Kept pages are keyed by path among other things; paths are few for the pages kept, but
# a bound keeps a mistake from growing the dict without limit.
MAX_KEPT_PAGES = 256


def _signed_in_user_id() -> str:
    return str(current_user.id) if current_user.is_authenticated else ""


# Values the layout prints that differ on every request or between people.
_REQUEST_VALUES: dict[str, Callable[[], str]] = {
    "csrf_token": generate_csrf,
    "csp_nonce": csp_nonce,
    "user_id": _signed_in_user_id,
}


def request_value(name: str) -> str | Markup:
    """This request's value (`_REQUEST_VALUES`), or its hole while a page is being kept."""
    if g.get("keeping_page"):
        return _marker(name)
    return _REQUEST_VALUES[name]()


def _marker(name: str) -> Markup:
    return Markup(_HOLE.format(name))  # noqa: S704 - our own marker


def layout_hole(name: str) -> Markup:
    """The value of a hole, or its marker while the piece is being kept."""
    value: Markup = g.layout_holes[name]
    return value


def layout_piece(
    name: str, variant: Hashable, render: Callable[..., Any], *args: Any, **holes: Any
) -> Markup:
    """The block `name` for this variant, its holes filled with this request's values.
    ``render`` is called with ``args`` (a macro's parameters, which must be what the
    variant names: they are not part of the key otherwise)."""
    if not current_app.config["LAYOUT_CACHE"]:
        return _render_with(render, {key: escape(value) for key, value in holes.items()}, args)
    pieces: dict[Hashable, Stencil] = current_app.extensions["layout_pieces"]
    # url_for's paths start with the app's mount point, which a deployment may change.
    key = (name, request.script_root, variant)
    stencil = pieces.get(key)
    if stencil is None:
        markers = {hole: _marker(hole) for hole in holes}
        # A variant may leave a hole out (signed out, there is no sign-out form).
        stencil = _stencil(_render_with(render, markers, args))
        # Two threads may both render a new variant; either copy is the same, and
        # setdefault keeps one without a lock.
        pieces.setdefault(key, stencil)
    # Joined as plain str: str + Markup would escape the kept HTML a second time.
    html = "".join(text + (str(escape(holes[hole])) if hole else "") for text, hole in stencil)
    return Markup(html)  # noqa: S704 - kept HTML came from our autoescaped templates


class _WhetherSignedIn:
    """`current_user` while a page is kept: whether someone is signed in, nothing else."""

    def __init__(self, is_authenticated: bool) -> None:
        self.is_authenticated = is_authenticated
        self.is_anonymous = not is_authenticated

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(
            f"A kept page printed current_user.{name}: it would be shown to everyone. "
            "Pass it to render_kept_page as a hole."
        )


# Flask-WTF's csrf_token() and our csp_nonce() as templates see them: a hole while a
# page is kept, never one request's value kept for everyone.
_TOKEN_FUNCTIONS = {
    "csrf_token": lambda: request_value("csrf_token"),
    "csp_nonce": lambda: request_value("csp_nonce"),
}


def _keeping_context(signed_in: bool) -> dict[str, Any]:
    # Explicit context outranks context processors (Flask-Login's current_user,
    # Flask-WTF's csrf_token), which would otherwise give this request's own values.
    return {"current_user": _WhetherSignedIn(signed_in), **_TOKEN_FUNCTIONS}


def render_kept_page(
    template: str, *, holes: dict[str, Any], variant: Hashable = None, **context: Any
) -> str:
    """``template`` rendered once per variant and kept, ``holes`` filled per request.

    The template prints each hole with `layout_hole(name)` and may branch only on what
    ``variant`` names (with the path, whether someone is signed in and whether this is
    a shared computer, which the layout branches on). Flash messages are shown once,
    so a page with some waiting is rendered afresh."""
    values = {name: escape(value) for name, value in holes.items()}
    if not current_app.config["LAYOUT_CACHE"] or "_flashes" in session:
        return str(_render_with(lambda: render_template(template, **context), values))
    signed_in = bool(current_user.is_authenticated)
    key = (
        template,
        request.script_root,
        request.path,
        signed_in,
        bool(session.get("shared_device")),
        variant,
    )
    pages: dict[Hashable, Stencil] = current_app.extensions["kept_pages"]
    stencil = pages.get(key)
    if stencil is None:
        g.keeping_page = True
        try:
            html = _render_with(
                lambda: render_template(template, **context, **_keeping_context(signed_in)),
                {hole: _marker(hole) for hole in holes},
            )
        finally:
            g.keeping_page = False
        stencil = _stencil(html)
        if len(pages) < MAX_KEPT_PAGES:
            pages.setdefault(key, stencil)
    for _text, hole in stencil:
        if hole is not None and hole not in values:
            values[hole] = escape(_REQUEST_VALUES[hole]())
    return "".join(text + (str(values[hole]) if hole else "") for text, hole in stencil)


def _render_with(
    render: Callable[..., Any], holes: dict[str, Markup], args: tuple[Any, ...] = ()
) -> Markup:
    outer = g.get("layout_holes")
    g.layout_holes = holes
    try:
        return Markup(render(*args))  # noqa: S704 - a Jinja block's own (escaped) output
    finally:
        g.layout_holes = outer


def _stencil(html: str) -> Stencil:
    parts = _HOLE_PATTERN.split(str(html))
    # split() alternates literal, hole name, literal, ..., literal.
    return tuple(
        (parts[i], parts[i + 1] if i + 1 < len(parts) else None) for i in range(0, len(parts), 2)
    )


class _TemplateGlobals(ChainMap[str, Any]):
    """A template's globals whose keys() is a set. Every `{% from ... import %}` compares
    the importing page's global names with the imported template's
    (`set - globals.keys()`); against ChainMap's key view that is one `in` test across
    every map per name, and it was the largest single cost left in rendering a page
    (about 9 % of GET /account under cProfile, nine imports a page)."""

    def keys(self) -> set[str]:  # type: ignore[override]
        return set().union(*self.maps)


class TemplateEnvironment(FlaskEnvironment):
    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return _TemplateGlobals({} if d is None else d, self.globals)


def init_app(app: Flask) -> None:
    """After Flask-WTF's and security's init_app, whose template globals it replaces."""
    app.extensions["layout_pieces"] = {}
    app.extensions["kept_pages"] = {}
    app.jinja_env.globals["request_value"] = request_value
    # Replacing Flask-WTF's and our own globals (macros see globals, not the context).
    app.jinja_env.globals.update(_TOKEN_FUNCTIONS)
    app.jinja_env.globals["layout_piece"] = layout_piece
    app.jinja_env.globals["layout_hole"] = layout_hole
