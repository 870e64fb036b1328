"""app.css holds only the govuk-!-* override classes our pages use (static/scss/app.scss):
each one a template, the app or a GOV.UK macro writes must be in it."""

from __future__ import annotations

import re
from pathlib import Path

import govuk_frontend_jinja

ROOT = Path(__file__).resolve().parents[2]
OVERRIDE = re.compile(r"govuk-!-[a-z0-9-]*[a-z0-9]")


def _written() -> dict[str, Path]:
    """Every override class written anywhere a page's HTML comes from."""
    sources = [
        *(ROOT / "templates").rglob("*.html"),
        *(ROOT / "app").rglob("*.py"),
        *(ROOT / "static" / "js").rglob("*.mjs"),
        *Path(govuk_frontend_jinja.__file__).parent.rglob("*.html"),
    ]
    return {name: path for path in sources for name in OVERRIDE.findall(path.read_text())}


def test_every_override_class_a_page_uses_is_in_app_css() -> None:
    css = (ROOT / "static" / "css" / "app.css").read_text()
    defined = {match.replace("\\", "") for match in re.findall(r"govuk-\\!-[a-z0-9-]+", css)}
    written = _written()
    assert written, "no override class found: the pattern is wrong"
    missing = {
        name: str(path.relative_to(ROOT)) for name, path in written.items() if name not in defined
    }
    assert not missing, f"add these to static/scss/app.scss, then `make css`: {missing}"
