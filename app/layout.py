"""Fixed parts of pages, rendered once and kept: the one way a page avoids rendering
the same HTML on every request (issue 22). Everything else is ordinary Jinja.

A page's fixed part is HTML that depends only on the app (policy, URLs) and on a few
things the page names (its *variant*: whether someone is signed in, which page is
open, a field's parameters), never on who is looking. The layout's skip link, header
(with the service navigation), footer and session-timeout settings are such parts, and
so are the account home's content, each record card's frame on Your CPD, each
question of the CPD form that holds nothing of the person's (its variant from
app/cpd/presenters.py ``unanswered_question``), and every form field with no answer
and no error (app/govuk_fields.py ``kept_fields``). Running
their GOV.UK Frontend macros on every request was most of a page's time (issues 13
and 24).

A template keeps a part with ``layout_piece``: the block or macro is rendered the first
time each variant is seen, and the HTML is kept. A value that differs between requests
or people (a CSRF token, the person's name, a link to their record) is a *hole*: the
template prints it as ``{{ layout_hole("name") }}`` and passes the value to
``layout_piece`` by that name; it is escaped and filled in on every request. For
example, in ``templates/layouts/base.html`` (``super`` renders the block as GOV.UK
Frontend wrote it, so the kept HTML is exactly what the page had before):

    {% block header %}{{ layout_piece("header", variant, super, csrf_token=token) }}{% endblock %}

and inside the block the sign-out form writes ``{{ layout_hole("csrf_token") }}``.
Whatever a kept part prints that is not a hole must be the same for everyone with the
variant: tests render every page both ways (``LAYOUT_CACHE = False`` renders every part
afresh, holes filled at once) and check the kept text holds nobody's details.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Callable, Hashable, MutableMapping
from typing import Any

from flask import Flask, current_app, g, request
from flask.templating import Environment as FlaskEnvironment
from markupsafe import Markup, escape

# A marker no rendered page contains (NUL is not allowed in HTML); the name says which hole.
_HOLE = "\x00layout-hole:{}\x00"
_HOLE_PATTERN = re.compile("\x00layout-hole:([a-z_]+)\x00")

# Literal HTML, then the name of the hole after it (None after the last literal).
Stencil = tuple[tuple[str, str | None], ...]


# Variants are few (pages, form fields as the policy words them); the bound keeps a
# mistake from growing the dict without limit: past it, parts are rendered afresh.
MAX_PIECES = 1024


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
        if len(pieces) < MAX_PIECES:
            pieces.setdefault(key, stencil)
    # Joined as plain str: str + Markup would escape the kept HTML a second time.
    html = "".join(text + (str(escape(holes[hole])) if hole else "") for text, hole in stencil)
    return Markup(html)  # noqa: S704 - kept HTML came from our autoescaped templates


def kept_template(
    template: str, variant: Hashable, render: Callable[..., str], **holes: Any
) -> str:
    """A whole small template kept like a piece: ``render(**values)`` (the view's
    ``render_template`` call) is made the first time each variant is seen, with each
    hole's marker as its value, and the HTML is kept; every request fills the holes,
    escaped, as Jinja would print them. For fragments sent many times a minute (the
    autosave's status line), where rendering a template cost more than the rest of
    the answer. ``LAYOUT_CACHE = False`` renders afresh."""
    if not current_app.config["LAYOUT_CACHE"]:
        return render(**holes)
    pieces: dict[Hashable, Stencil] = current_app.extensions["layout_pieces"]
    key = ("template", template, request.script_root, variant)
    stencil = pieces.get(key)
    if stencil is None:
        stencil = _stencil(render(**{hole: _marker(hole) for hole in holes}))
        if len(pieces) < MAX_PIECES:
            pieces.setdefault(key, stencil)
    return "".join(text + (str(escape(holes[hole])) if hole else "") for text, hole in stencil)


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
    app.jinja_env.globals["layout_piece"] = layout_piece
    app.jinja_env.globals["layout_hole"] = layout_hole
