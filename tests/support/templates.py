"""Compiled templates shared by every app the tests create in one process.

Each test gets a new app (tests/conftest.py), and a new app's Jinja environment compiles
every template it renders again: about 80 templates and macros, most of a test's time
before this cache. Jinja's bytecode cache hands a new environment the code an earlier
one compiled; a template whose source changed (checked by checksum) is compiled again.
Tests only: a served app is made once per process, so it would gain nothing.
"""

from __future__ import annotations

from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache


class SharedBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self._code: dict[tuple[str, tuple[object, ...]], bytes] = {}

    @staticmethod
    def _key(bucket: Bucket) -> tuple[str, tuple[object, ...]]:
        # The code depends on how the environment parses and compiles, not only on the
        # source: an app set up differently must not get another's code.
        env = bucket.environment
        settings = (
            env.block_start_string,
            env.variable_start_string,
            env.comment_start_string,
            env.line_statement_prefix,
            env.trim_blocks,
            env.lstrip_blocks,
            env.keep_trailing_newline,
            env.optimized,
            tuple(sorted(env.extensions)),
            type(env),
        )
        return bucket.key, settings

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(self._key(bucket))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[self._key(bucket)] = bucket.bytecode_to_string()


SHARED_TEMPLATE_CODE = SharedBytecodeCache()


def share_compiled_templates(env: Environment) -> None:
    env.bytecode_cache = SHARED_TEMPLATE_CODE
