"""The built stylesheet (static/css/app.css, from `make css`) is what browsers get.

IE 11 and other old browsers ignore custom properties, and drop any declaration using
var(): each one must follow a plain declaration of the same property. We use system
fonts, so GDS Transport and @font-face must never appear; and our teal brand is in.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_CSS = ROOT / "static" / "css" / "app.css"
BRAND = "#00625e"


def _split_outside_quotes(text: str, separators: str) -> list[tuple[str, str]]:
    """Split text at any of the separators outside quotes and brackets.

    Returns (piece, separator that ended it) pairs; the last separator is ''.
    """
    pieces: list[tuple[str, str]] = []
    start, depth, quote = 0, 0, ""
    for index, char in enumerate(text):
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and char in separators:
            pieces.append((text[start:index], char))
            start = index + 1
    pieces.append((text[start:], ""))
    return pieces


def rules(css: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every block of declarations in the CSS: (selector, [(property, value), ...])."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found: list[tuple[str, list[tuple[str, str]]]] = []
    preludes: list[str] = []
    for text, separator in _split_outside_quotes(css, "{}"):
        if separator == "{":
            # The text before "{" may end a previous declaration block's sibling
            # at-rule (e.g. "@charset ...;"): the selector is after the last ";".
            preludes.append(text.rsplit(";", 1)[-1].strip())
        elif separator == "}" and preludes:
            selector = preludes.pop()
            declarations = []
            for declaration, _ in _split_outside_quotes(text, ";"):
                prop, colon, value = declaration.partition(":")
                if colon and prop.strip():
                    declarations.append((prop.strip().lower(), value.strip()))
            if declarations:
                found.append((selector, declarations))
    return found


def missing_fallbacks(css: str) -> list[str]:
    """Declarations using var() not straight after a plain one of the same property."""
    problems = []
    for selector, declarations in rules(css):
        previous: tuple[str, str] | None = None
        for prop, value in declarations:
            uses_var = "var(" in value.lower()
            if uses_var and not prop.startswith("--"):
                fallback_ok = (
                    previous is not None
                    and previous[0] == prop
                    and "var(" not in previous[1].lower()
                )
                if not fallback_ok:
                    problems.append(f"{selector} {{ {prop}: {value} }}")
            previous = (prop, value)
    return problems


def _built_css() -> str:
    assert APP_CSS.exists(), f"{APP_CSS} is missing: run `make css`"
    return APP_CSS.read_text(encoding="utf-8")


# --- the checker itself -------------------------------------------------------------


def test_the_checker_reports_a_var_without_a_fallback():
    sample = (
        ":root{--brand:#00625e}"
        ".ok{color:#00625e;color:var(--brand, #00625e)}"
        ".no-fallback{margin:0;color:var(--brand)}"
        "@media print{.in-media{border-color:var(--brand)}}"
        ".wrong-property{background:#fff;color:var(--brand)}"
        ".fallback-uses-var{color:var(--x);color:var(--brand)}"
        '.quoted::after{content:"a;b{c}";color:red}'
    )
    assert missing_fallbacks(sample) == [
        ".no-fallback { color: var(--brand) }",
        ".in-media { border-color: var(--brand) }",
        ".wrong-property { color: var(--brand) }",
        ".fallback-uses-var { color: var(--x) }",
        ".fallback-uses-var { color: var(--brand) }",
    ]


def test_the_checker_accepts_fallbacks_and_custom_property_definitions():
    sample = (
        ":root{--a:#000;--b:var(--a, #000)}"
        "@media (min-width:40em){.x{box-shadow:0 2px #000,0 4px #fff;"
        "box-shadow:0 2px var(--a, #000),0 4px var(--b, #fff)}}"
    )
    assert missing_fallbacks(sample) == []
    assert rules(sample)[1] == (
        ".x",
        [
            ("box-shadow", "0 2px #000,0 4px #fff"),
            ("box-shadow", "0 2px var(--a, #000),0 4px var(--b, #fff)"),
        ],
    )


# --- the built stylesheet -----------------------------------------------------------


def test_every_var_has_a_plain_fallback_before_it():
    css = _built_css()
    assert "var(" in css, "expected GOV.UK Frontend's custom properties in app.css"
    assert missing_fallbacks(css) == []


def test_no_web_fonts():
    css = _built_css()
    assert "@font-face" not in css
    assert "GDS Transport" not in css
    assert "/fonts/" not in css


def test_the_brand_colour_is_used():
    css = _built_css().lower()
    assert f"--govuk-brand-colour:{BRAND}" in css.replace(" ", "")
    assert f"color:{BRAND}" in css


def test_it_is_compressed():
    css = _built_css()
    assert css.count("\n") <= 1
    assert "/*" not in css.replace("/*!", "")


def test_focus_has_a_plain_colour():
    focus_colours = [
        value
        for selector, declarations in rules(_built_css())
        if ":focus" in selector
        for prop, value in declarations
        if prop in ("color", "background-color") and "var(" not in value
    ]
    assert focus_colours, "no :focus rule with a plain colour"
    assert "#ffdd00" in focus_colours


def _outside_supports(css: str) -> str:
    """The stylesheet with every @supports block taken out: what an engine that knows
    no feature queries (Dillo 3, NetSurf 3, IE 11) applies."""
    kept, index = [], 0
    while (start := css.find("@supports", index)) != -1:
        kept.append(css[index:start])
        depth, cursor = 0, css.index("{", start)
        while True:
            depth += {"{": 1, "}": -1}.get(css[cursor], 0)
            cursor += 1
            if depth == 0:
                break
        index = cursor
    kept.append(css[index:])
    return "".join(kept)


def test_old_engines_get_native_radios_and_checkboxes():
    # GOV.UK's drawn controls hide the real input and draw a circle and a tick with
    # opacity and transform: NetSurf showed every radio selected and part of a tick.
    plain = _outside_supports(APP_CSS.read_text())
    assert ".govuk-radios__input" in APP_CSS.read_text()
    assert ".govuk-radios__label:before" not in plain.replace("::", ":")
    assert ".govuk-checkboxes__label:after" not in plain.replace("::", ":")
    assert not re.search(r"\.govuk-(radios|checkboxes)__input\{[^}]*opacity:0", plain)


def test_old_engines_keep_readable_date_boxes():
    # The date input's font-size 0 (closing gaps between inline blocks) left Dillo,
    # which has no rem, drawing the Day/Month/Year labels and digits at 5-6 px.
    plain = _outside_supports(APP_CSS.read_text())
    sizes = re.findall(r"\.govuk-date-input\{[^}]*font-size:([^;}]+)", plain)
    assert sizes and sizes[-1] != "0"
    # NetSurf clipped the year: each box has a width of its own, not only a max-width.
    assert re.search(r"\.govuk-date-input__input\.govuk-input--width-4\{width:", plain)
