"""The count kept on the device (static/js/character-count.mjs) and the server's count
(rules.count_characters) agree: the same text is never under the limit on one and over
it on the other."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.cpd import rules

MODULE = Path(__file__).resolve().parents[2] / "static" / "js" / "character-count.mjs"
SAMPLES = ["", "plain", "a\r\nb", "a\rb\nc", "😀 emoji", "é", "e\u0301", "\u200d👩‍⚕️", "x" * 3001]


def test_the_device_counts_every_sample_as_the_server_does() -> None:
    node = shutil.which("node")
    if not node:
        pytest.skip("needs Node (make css installs it)")
    script = (
        f"import({json.dumps(MODULE.as_uri())}).then(m => console.log(JSON.stringify("
        f"{json.dumps(SAMPLES)}.map(s => [m.countCharacters(s), m.countMessage(s, 5).text]))))"
    )
    result = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True)
    device = json.loads(result.stdout)
    server = [[rules.count_characters(s), rules.count_message(s, 5)[0]] for s in SAMPLES]
    assert device == server
