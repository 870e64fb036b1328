"""The layout's kept pieces (app/layout.py) give the same pages as rendering every macro."""

import re

import pytest

from tests.conftest import PASSWORD, submit

pytestmark = pytest.mark.db

SIGNED_OUT_PAGES = [
    "/sign-in",
    "/create-account",
    "/",
    "/help/contact",
    "/forgot-password",
    '/nowhere/"<odd>&path',  # a 404 whose path the feedback link names
]
SIGNED_IN_PAGES = [
    "/account",
    "/your-cpd",
    "/your-cpd/new",
    "/your-cpd/new/structured",
    "/help/contact",
    "/account",  # the same variant again, from the kept piece
    "/nowhere",
]


def _comparable(html: str) -> str:
    """The page without what differs on every request anyway."""
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    html = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', html)
    html = re.sub(r'(name="csrf-token" content=")[^"]*"', r'\1"', html)
    html = re.sub(r'(name="(?:editor|kept_for)" value=")[^"]*"', r'\1"', html)
    return html


def _pages(client, paths: list[str]) -> list[str]:
    return [_comparable(client.get(path).get_data(as_text=True)) for path in paths]


def _rendered_both_ways(app, client, paths: list[str]) -> tuple[list[str], list[str]]:
    kept = _pages(client, paths)
    app.config["LAYOUT_CACHE"] = False
    try:
        fresh = _pages(client, paths)
    finally:
        app.config["LAYOUT_CACHE"] = True
    return kept, fresh


def test_signed_out_pages_are_the_same_with_the_kept_layout(app, client):
    kept, fresh = _rendered_both_ways(app, client, SIGNED_OUT_PAGES)
    for path, with_pieces, without in zip(SIGNED_OUT_PAGES, kept, fresh, strict=True):
        assert with_pieces == without, path
    assert "page=/nowhere/%22%3Codd%3E%26path" in kept[-1]


def test_signed_in_pages_are_the_same_with_the_kept_layout(app, signed_in_client):
    kept, fresh = _rendered_both_ways(app, signed_in_client, SIGNED_IN_PAGES)
    for path, with_pieces, without in zip(SIGNED_IN_PAGES, kept, fresh, strict=True):
        assert with_pieces == without, path
    assert 'aria-current="page"' in kept[0]  # "Your account" marked on its own page


def test_the_sign_out_form_carries_this_requests_token(signed_in_client):
    html = signed_in_client.get("/account").get_data(as_text=True)
    meta = re.search(r'name="csrf-token" content="([^"]+)"', html)
    sign_out = re.search(r'action="/sign-out"[^>]*>\s*<input[^>]*value="([^"]+)"', html)
    assert meta and sign_out and meta.group(1) == sign_out.group(1)
    # The token the page carries signs the user out.
    response = signed_in_client.post("/sign-out", data={"csrf_token": sign_out.group(1)})
    assert response.status_code == 302
    assert signed_in_client.get("/account").status_code == 302


def test_kept_pieces_hold_nothing_about_the_person(app, client, user, other_client):
    submit(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    for path in SIGNED_IN_PAGES:
        client.get(path)
        other_client.get(path)
    kept = "".join(
        text for stencil in app.extensions["layout_pieces"].values() for text, _hole in stencil
    )
    assert kept
    for private in (user.email, user.full_name, "/feedback?page", 'csrf_token" value="I'):
        assert private not in kept
