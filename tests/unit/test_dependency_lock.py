"""requirements.lock is what every machine installs (Makefile, with --require-hashes):
it must pin exactly what pyproject.toml asks for, and every package in it must carry hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _declared() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins: dict[str, str] = {}
    for line in project["dependencies"] + project["optional-dependencies"]["test"]:
        requirement = Requirement(line)
        (spec,) = requirement.specifier  # every dependency is one exact pin
        assert spec.operator == "==", f"{line}: pin it exactly"
        pins[canonicalize_name(requirement.name)] = spec.version
    return pins


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes)."""
    text = (ROOT / "requirements.lock").read_text()
    entries: dict[str, tuple[str, int]] = {}
    for block in re.split(r"\n(?=\S)", text):
        head = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", block)
        if head:
            hashes = len(re.findall(r"--hash=sha256:[0-9a-f]{64}", block))
            entries[canonicalize_name(head.group(1))] = (head.group(2), hashes)
    return entries


def test_the_lock_pins_every_declared_dependency_at_its_declared_version() -> None:
    locked = _locked()
    mismatched = {
        name: (version, locked.get(name, ("missing", 0))[0])
        for name, version in _declared().items()
        if locked.get(name, ("missing", 0))[0] != version
    }
    assert not mismatched, f"run `make lock`: pyproject vs lock {mismatched}"


def test_every_locked_package_carries_hashes() -> None:
    locked = _locked()
    assert len(locked) > len(_declared())  # transitive dependencies are locked too
    assert all(hashes > 0 for _version, hashes in locked.values())
