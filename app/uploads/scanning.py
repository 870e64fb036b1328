"""Virus scanning: ClamAV's daemon when configured, else documents are recorded as
"not scanned". A scanner that cannot answer is an error, never a pass."""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

SCAN_CLEAN = "clean"
SCAN_NOT_SCANNED = "not scanned"
SCAN_INFECTED = "infected"
SCAN_ERROR = "error"


@dataclass(frozen=True)
class ScanResult:
    status: str  # SCAN_CLEAN, SCAN_NOT_SCANNED, SCAN_INFECTED or SCAN_ERROR
    detail: str = ""


# A scanner reads the file it is given (a seekable file, from its start), in chunks.
Scanner = Callable[[BinaryIO], ScanResult]


def not_scanned(_source: BinaryIO) -> ScanResult:
    return ScanResult(SCAN_NOT_SCANNED)


def clamd_scanner(
    *,
    socket_path: str | None = None,
    host: str | None = None,
    port: int = 3310,
    timeout: float = 60.0,
) -> Scanner:
    """A scanner that streams the file to ClamAV's daemon (the INSTREAM command) on a
    Unix socket or TCP. Any failure to get an answer is SCAN_ERROR: the upload is then
    refused rather than stored unchecked."""
    if not socket_path and not host:
        raise ValueError("clamd_scanner needs a socket path or a host")

    def scan(source: BinaryIO) -> ScanResult:
        source.seek(0)
        try:
            if socket_path:
                connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                connection.settimeout(timeout)
                connection.connect(socket_path)
            else:
                assert host is not None
                connection = socket.create_connection((host, port), timeout=timeout)
            with connection:
                connection.sendall(b"zINSTREAM\0")
                chunk_size = 64 * 1024
                while chunk := source.read(chunk_size):
                    connection.sendall(struct.pack("!L", len(chunk)) + chunk)
                connection.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0") and len(reply) < 4096:
                    received = connection.recv(4096)
                    if not received:
                        break
                    reply += received
        except OSError as error:
            return ScanResult(SCAN_ERROR, f"clamd: {error}")
        return parse_clamd_reply(reply)

    return scan


def parse_clamd_reply(reply: bytes) -> ScanResult:
    text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith("FOUND"):
        # "stream: Eicar-Test-Signature FOUND"
        signature = text.removeprefix("stream:").removesuffix("FOUND").strip()
        return ScanResult(SCAN_INFECTED, signature)
    if text.endswith("OK"):
        return ScanResult(SCAN_CLEAN)
    return ScanResult(SCAN_ERROR, f"clamd: {text or 'no answer'}")


def scanner_from_settings(settings: Mapping[str, Any]) -> Scanner:
    """ClamAV when CLAMAV_SOCKET (a Unix socket path) or CLAMAV_HOST (with CLAMAV_PORT,
    3310 by default) is set, in the app config or the environment; else not_scanned."""

    def setting(name: str) -> str:
        return str(settings.get(name) or os.environ.get(name) or "").strip()

    if setting("CLAMAV_SOCKET"):
        return clamd_scanner(socket_path=setting("CLAMAV_SOCKET"))
    if setting("CLAMAV_HOST"):
        return clamd_scanner(host=setting("CLAMAV_HOST"), port=int(setting("CLAMAV_PORT") or 3310))
    return not_scanned


def current_scanner() -> Scanner:
    """The app's scanner: one put in app.extensions["document_scanner"] (tests inject a
    stand-in there), else one made from the settings once."""
    from flask import current_app

    scanner: Scanner | None = current_app.extensions.get("document_scanner")
    if scanner is None:
        scanner = scanner_from_settings(current_app.config)
        current_app.extensions["document_scanner"] = scanner
    return scanner
