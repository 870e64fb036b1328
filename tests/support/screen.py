"""A virtual screen (Xvfb) for browsers without a remote control (Dillo, NetSurf): start
one, show a page in an engine, wait until it is drawn, and read the pixels back.

"Drawn" is a condition, not a number of seconds: the screen is captured again and again
until several captures in a row are the same and something is on it, within a deadline.
Pixels are read from ImageMagick's PPM output with no image library: the checks need
only "where do two pictures differ" and "how much ink is in this box".
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# A box on the screen: left, top, right, bottom (right and bottom inclusive).
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Shot:
    width: int
    height: int
    pixels: bytes  # RGB, 3 bytes a pixel, row after row

    @functools.cached_property
    def rows(self) -> tuple[bytes, ...]:
        stride = 3 * self.width
        return tuple(self.pixels[y * stride : (y + 1) * stride] for y in range(self.height))

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        at = 3 * (y * self.width + x)
        return self.pixels[at], self.pixels[at + 1], self.pixels[at + 2]

    def is_blank(self) -> bool:
        """One colour everywhere: nothing drawn yet (or ever)."""
        return self.pixels == self.pixels[:3] * (self.width * self.height)


def parse_ppm(data: bytes) -> Shot:
    match = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    assert match, "not an 8-bit PPM"
    return Shot(width=int(match.group(1)), height=int(match.group(2)), pixels=data[match.end() :])


@contextlib.contextmanager
def virtual_screen(geometry: str) -> Iterator[str]:
    """An X display of ``geometry`` (e.g. 1024x4000x24); yields its name, e.g. ":7"."""
    read, write = os.pipe()
    server = subprocess.Popen(  # noqa: S603
        ["Xvfb", "-displayfd", str(write), "-screen", "0", geometry, "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        # Xvfb writes the display number once it accepts clients: readiness, not a sleep.
        with os.fdopen(read) as numbers:
            number = numbers.readline().strip()
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def capture(display: str) -> Shot:
    data = subprocess.run(  # noqa: S603
        ["import", "-display", display, "-window", "root", "-depth", "8", "ppm:-"],
        check=True,
        capture_output=True,
        timeout=30,
    ).stdout
    return parse_ppm(data)


def save_png(display: str, out: Path) -> None:
    subprocess.run(  # noqa: S603
        ["import", "-display", display, "-window", "root", str(out)],
        check=True,
        capture_output=True,
        timeout=30,
    )


def drawn(display: str, *, same_in_a_row: int = 3, deadline_s: float = 30) -> Shot:
    """The screen once the engine has finished drawing: ``same_in_a_row`` captures alike
    and not blank. Fails at the deadline (a hung engine), never returns a guess."""
    deadline = time.monotonic() + deadline_s
    last: Shot | None = None
    alike = 0
    while True:
        shot = capture(display)
        alike = alike + 1 if last is not None and shot.pixels == last.pixels else 1
        if alike >= same_in_a_row and not shot.is_blank():
            return shot
        assert time.monotonic() < deadline, f"the screen was still changing after {deadline_s} s"
        last = shot  # a capture takes a few tenths of a second: the next one comes later


@contextlib.contextmanager
def showing(display: str, command: list[str], env: dict[str, str]) -> Iterator[None]:
    """``command`` (an engine opening a page) running on ``display`` until the block ends."""
    engine = subprocess.Popen(  # noqa: S603
        command,
        env={**os.environ, **env, "DISPLAY": display},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        engine.terminate()
        try:
            engine.wait(timeout=10)
        except subprocess.TimeoutExpired:
            engine.kill()
            engine.wait()


def differences(
    a: Shot, b: Shot, *, gap: int = 6, skip_top: int = 0, skip_bottom: int = 0
) -> list[Box]:
    """Boxes holding the pixels that differ between two captures, one per band of rows
    (bands at least ``gap`` unchanged rows apart), top to bottom. The first ``skip_top``
    and last ``skip_bottom`` rows (a browser's toolbar and status bar, which show its
    state, not the page) are not compared."""
    assert (a.width, a.height) == (b.width, b.height)
    boxes: list[Box] = []
    end = a.height - skip_bottom
    compared = zip(a.rows[skip_top:end], b.rows[skip_top:end], strict=True)
    for y, (row_a, row_b) in enumerate(compared, start=skip_top):
        if row_a == row_b:
            continue
        first = next(i for i in range(len(row_a)) if row_a[i] != row_b[i]) // 3
        last = next(i for i in range(len(row_a) - 1, -1, -1) if row_a[i] != row_b[i]) // 3
        if boxes and y - boxes[-1][3] <= gap:
            left, top, right, _bottom = boxes[-1]
            boxes[-1] = (min(left, first), top, max(right, last), y)
        else:
            boxes.append((first, y, last, y))
    return boxes


def difference(a: Shot, b: Shot, *, skip_top: int = 0, skip_bottom: int = 0) -> Box | None:
    """The smallest box holding every pixel that differs between two captures."""
    boxes = differences(a, b, skip_top=skip_top, skip_bottom=skip_bottom)
    if not boxes:
        return None
    return (
        min(box[0] for box in boxes),
        boxes[0][1],
        max(box[2] for box in boxes),
        boxes[-1][3],
    )


def grown(box: Box, by: int, shot: Shot) -> Box:
    left, top, right, bottom = box
    return (
        max(0, left - by),
        max(0, top - by),
        min(shot.width - 1, right + by),
        min(shot.height - 1, bottom + by),
    )


def ink(shot: Shot, box: Box, background: tuple[int, int, int] = (255, 255, 255)) -> int:
    """How many pixels in ``box`` are clearly not the background: what the eye sees."""
    left, top, right, bottom = box
    count = 0
    for y in range(top, bottom + 1):
        for x in range(left, right + 1):
            if sum(abs(c - b) for c, b in zip(shot.pixel(x, y), background, strict=True)) > 96:
                count += 1
    return count


def darkness(shot: Shot, box: Box) -> int:
    """How much darker than white the pixels in ``box`` are, added up: a tick or a dot
    drawn into a control makes it darker, whatever its colour."""
    left, top, right, bottom = box
    full = 765 * (right - left + 1)
    return sum(full - sum(row[3 * left : 3 * (right + 1)]) for row in shot.rows[top : bottom + 1])
