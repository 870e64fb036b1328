"""Count the suite: tests pytest collects, and assertions written in the test code.

    .venv/bin/python tests/support/count_tests.py [pytest arguments, e.g. -m db]

Made for issue 21 (the suite made faster with no assertion lost): run it before and
after a change to the tests and compare. Tests are what ``pytest --collect-only``
collects (each parametrised case counts once), so the figure moves with the
parametrisation, not with the number of ``def test_``. Assertions are counted in the
source, with ``ast``: every ``assert`` statement, every ``expect(...)`` call (Playwright's
assertions) and every ``pytest.raises(...)`` call, in every Python file under tests/
(helpers and fixtures assert too). A source count, not a runtime one: an assertion in a
loop counts once.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent


def assertion_kind(node: ast.AST) -> str | None:
    if isinstance(node, ast.Assert):
        return "assert"
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Name) and func.id == "expect":
        return "expect("
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "raises"
        and isinstance(func.value, ast.Name)
        and func.value.id == "pytest"
    ):
        return "pytest.raises"
    return None


def count_assertions(root: Path = TESTS) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            kind = assertion_kind(node)
            if kind:
                counts[kind] += 1
    return counts


def count_tests(pytest_args: list[str]) -> int:
    """The number pytest reports collecting (after any -m/-k selection given)."""
    result = subprocess.run(  # noqa: S603 - our own interpreter, our own arguments
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
        + pytest_args,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # "425 tests collected", or "425/1100 tests collected (675 deselected)" with -m.
    match = re.search(r"^(\d+)(?:/\d+)? tests? collected", result.stdout, re.MULTILINE)
    if not match:
        sys.exit(f"pytest collected nothing countable:\n{result.stdout[-2000:]}{result.stderr}")
    return int(match.group(1))


def main(argv: list[str]) -> None:
    tests = count_tests(argv)
    counts = count_assertions()
    print(f"tests collected: {tests}" + (f" ({' '.join(argv)})" if argv else ""))
    print(
        f"assertions: {sum(counts.values())} "
        f"(assert {counts['assert']}, expect( {counts['expect(']}, "
        f"pytest.raises {counts['pytest.raises']})"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
