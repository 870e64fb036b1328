"""Two-step set-up in old browsers, in lynx and on the phone the app is on (issue 23,
item 4): the QR code is a PNG image every graphical browser draws (not inline SVG),
there is an otpauth:// link that opens the authenticator app on the same device, and
the key is also spelled out a character at a time for screen readers."""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
import segno

from app.auth import two_step
from tests.integration.test_old_engines import (
    NETSURF_CHOICES,
    PASSWORD,
    SCREEN,
    SHOTS,
    _engine_command,
)
from tests.integration.test_two_step_sign_in import SET_UP, _turn_on, clock  # noqa: F401
from tests.support import screen
from tests.support.http_client import signed_in_opener
from tests.support.servers import LiveServer, SmtpServer

pytestmark = pytest.mark.db

QR = SET_UP + "/qr-code.png"


def _key_on(page: str) -> str:
    found = re.search(r'id="secret"[^>]*>([A-Z2-7 ]+)</p>', page)
    assert found, "no key on the page"
    return found.group(1).replace(" ", "")


def test_the_qr_code_is_a_png_image_of_the_apps_set_up_link(signed_in_client, user) -> None:
    page = signed_in_client.get(SET_UP).get_data(as_text=True)
    secret = _key_on(page)
    assert "<svg" not in page
    image = re.search(r"<img [^>]*>", page)
    assert image, "no QR code image"
    assert f'src="{QR}"' in image.group(0)
    assert 'alt="QR code for your authenticator app' in image.group(0)

    response = signed_in_client.get(QR)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "no-store"
    uri = two_step.provisioning_uri(secret, account=user.email, issuer="Record CPD")
    expected = io.BytesIO()
    segno.make(uri, error="m").save(expected, kind="png", scale=4, border=4)
    assert response.get_data() == expected.getvalue()


def test_the_set_up_page_links_to_the_app_and_spells_the_key_out(signed_in_client, user) -> None:
    page = signed_in_client.get(SET_UP).get_data(as_text=True)
    secret = _key_on(page)
    link = re.search(r'<a [^>]*href="(otpauth://[^"]+)"[^>]*>([^<]+)</a>', page)
    assert link, "no otpauth link"
    assert html.unescape(link.group(1)) == two_step.provisioning_uri(
        secret, account=user.email, issuer="Record CPD"
    )
    assert "authenticator app" in link.group(2)
    spelled = " ".join(secret[:4])  # "K 5 V W": read a character at a time
    assert spelled in page


def test_no_qr_code_without_a_set_up_waiting(app, signed_in_client, clock) -> None:  # noqa: F811
    assert app.test_client().get(QR).status_code in (302, 401)  # signed out
    _turn_on(signed_in_client, clock)
    assert signed_in_client.get(QR).status_code == 404  # on: its key is never shown again


def test_lynx_shows_a_usable_key_and_link(signed_in_client, user, tmp_path: Path) -> None:
    assert shutil.which("lynx"), "`make browsers` installs lynx"
    page = signed_in_client.get(SET_UP).get_data(as_text=True)
    secret = _key_on(page)
    saved = tmp_path / "set-up.html"
    saved.write_text(page)
    dump = subprocess.run(
        ["lynx", "-dump", "-force_html", "-width=80", str(saved)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    text = " ".join(dump.split())
    assert two_step.secret_in_groups(secret) in text
    assert "QR code for your authenticator app" in text
    # lynx lists the link's address, showing %20 and %40 as the characters they stand for.
    uri = two_step.provisioning_uri(secret, account=user.email, issuer="Record CPD")
    assert unquote(uri) in dump
    assert re.search(r"\[\d+\]Add Record CPD to an authenticator app on this device", text)


def test_dillo_and_netsurf_draw_the_qr_code_and_the_key(
    live_server: LiveServer, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """Screenshots kept in tests/_artifacts/old-engines for people to look at."""
    missing = [t for t in ("dillo", "netsurf-gtk", "xvfb-run", "import") if not shutil.which(t)]
    assert not missing, f"`make browsers` installs {missing}"
    base = live_server.url
    opener = signed_in_opener(
        base, smtp_server.catcher, email="qr-old@example.com", password=PASSWORD, full_name="Q R"
    )
    page = opener.open(base + SET_UP).read().decode()
    qr = tmp_path / "qr-code.png"
    qr.write_bytes(opener.open(base + QR).read())
    assert qr.read_bytes().startswith(b"\x89PNG")
    # Saved to a file (neither engine keeps our session cookie): the image beside it.
    page = page.replace(f'src="{QR}"', f'src="{qr.as_uri()}"')
    saved = tmp_path / "two-step-set-up.html"
    saved.write_text(page.replace("<head>", f'<head><base href="{base}/">', 1))
    home = tmp_path / "home"
    (home / ".config" / "netsurf").mkdir(parents=True)
    (home / ".config" / "netsurf" / "Choices").write_text(NETSURF_CHOICES)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with screen.virtual_screen(SCREEN) as display:
        for engine in ("dillo", "netsurf"):
            out = SHOTS / f"{engine}-two-step-set-up.png"
            out.unlink(missing_ok=True)
            command, env = _engine_command(engine, saved)  # NetSurf's home beside the page
            with screen.showing(display, command, env):
                assert not screen.drawn(display).is_blank()
                screen.save_png(display, out)
            assert out.exists()


def test_recovery_codes_carry_their_numbers_in_the_text(signed_in_client, clock) -> None:  # noqa: F811
    """Printed, list markers were clipped: the tenth code was numbered "0."."""
    page = signed_in_client.get(SET_UP).get_data(as_text=True)
    secret = re.search(r'id="secret"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    import pyotp  # noqa: PLC0415

    shown = signed_in_client.post(
        SET_UP,
        data={
            "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1),
            "code": pyotp.TOTP(secret).at(clock()),
            "password": "correct horse battery staple",
        },
    ).get_data(as_text=True)
    items = re.findall(r"<li>(.*?)</li>", shown.split('id="recovery-codes"')[1], re.S)
    texts = [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items[:10]]
    assert [t.split(" ")[0] for t in texts] == [f"{n}." for n in range(1, 11)]
