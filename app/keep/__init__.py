"""Print and keep: print views of a record and of a registration year, "Download all
your CPD" as a ZIP built as a stream, and importing such a ZIP into an account."""

from __future__ import annotations

from app.keep import views  # noqa: F401  (registers the routes)
from app.keep.blueprint import bp  # noqa: F401  (create_app registers keep.bp)
