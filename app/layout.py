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
        markers = {hole: Markup(_HOLE.format(hole)) for hole in holes}  # noqa: S704 - our marker
        # A variant may leave a hole out (signed out, there is no sign-out form).
        stencil = _stencil(_render_with(render, markers, args))
        # Two threads may both render a new variant; either copy is the same, and
        # setdefault keeps one without a lock.
        pieces.setdefault(key, stencil)
    # Joined as plain str: str + Markup would escape the kept HTML a second time.
    html = "".join(text + (str(escape(holes[hole])) if hole else "") for text, hole in stencil)
    return Markup(html)  # noqa: S704 - kept HTML came from our autoescaped templates


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
    app.extensions["layout_pieces"] = {}
    app.jinja_env.globals["layout_piece"] = layout_piece
    app.jinja_env.globals["layout_hole"] = layout_hole
