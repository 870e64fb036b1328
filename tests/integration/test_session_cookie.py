"""The session cookie is an opaque id; what the session holds (flash messages that name
CPD, the address a reset was asked for, the CSRF secret) stays on the server
(ASVS 5.0 7.2.x, 14.3.x)."""

import base64
import contextlib
import re
import zlib

import pytest

from tests.conftest import PASSWORD, csrf_token_from, submit

pytestmark = pytest.mark.db


def _readable(cookie_value: str) -> str:
    """Everything a person could read out of the cookie: each dot-separated part,
    base64-decoded (and inflated, as Flask's compressed cookies are)."""
    found = [cookie_value]
    for part in cookie_value.lstrip(".").split("."):
        padded = part + "=" * (-len(part) % 4)
        try:
            raw = base64.urlsafe_b64decode(padded)
        except ValueError:
            continue
        found.append(raw.decode("utf-8", "replace"))
        with contextlib.suppress(zlib.error):
            found.append(zlib.decompress(raw).decode("utf-8", "replace"))
    return "\n".join(found)


def _cookie(app, client) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def test_a_flash_naming_cpd_is_not_in_the_cookie(app, signed_in_client):
    title = "Safeguarding supervision with Pat"
    page = signed_in_client.get("/your-cpd/new/unstructured").get_data(as_text=True)
    signed_in_client.post(
        "/your-cpd/new/unstructured",
        data={"csrf_token": csrf_token_from(page), "title": title, "action": "draft"},
    )
    readable = _readable(_cookie(app, signed_in_client))
    assert "Safeguarding" not in readable
    assert "_flashes" not in readable
    assert "csrf_token" not in readable
    # The message is still shown, once, from the server's copy.
    assert title in signed_in_client.get("/your-cpd").get_data(as_text=True)


def test_the_address_a_reset_was_asked_for_is_not_in_the_cookie(app, client, user):
    submit(client, "/forgot-password", {"email": user.email})
    assert "alex@example.com" not in _readable(_cookie(app, client))
    assert "alex@example.com" in client.get("/forgot-password/check-your-email").get_data(
        as_text=True
    )


def test_the_cookie_is_short_and_opaque(app, signed_in_client):
    value = _cookie(app, signed_in_client)
    assert re.fullmatch(r"[A-Za-z0-9_\-.]{20,100}", value), value
    assert "sid" not in _readable(value)


def test_signing_in_gives_a_new_session_id_and_the_old_one_holds_nothing(app, client, user):
    client.get("/sign-in")
    before = _cookie(app, client)
    submit(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    assert _cookie(app, client) != before

    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], before)
    with replay.session_transaction() as session:
        assert dict(session) == {}
