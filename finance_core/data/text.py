"""Bytes to text: an upload (path, bytes, text or file object) decoded as UTF-8 or UTF-16, or refused.

Workbooks, PDFs, images, archives and other binary files are named for what they are; files over the
size limit are refused before they are read. :class:`Text` carries how the file was read on to the
decoder (:mod:`finance_core.data.decoder`), which re-exports these names.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .. import formats
from ..errors import DataError

__all__ = ["MAX_UPLOAD_BYTES", "Source", "Text", "file_label", "decode"]

#: Uploads larger than this are refused before parsing.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

Source = str | os.PathLike | bytes | IO


@dataclass
class Text:
    """A decoded upload: its label for messages, its text, and how it was read (filled in by the readers)."""

    name: str
    text: str
    notes: list[str] = field(default_factory=list)  # how the file was read (dates), see format_notes
    encoding: str = "UTF-8"
    delimiter: str = ","
    numbers: formats.NumberFormat = formats.NumberFormat()


_MAGIC = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip archive",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\x1f\x8b": "a gzip archive",
}


def file_label(source: Source, name: str | None) -> str:
    if name:
        return name
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and "," not in source and len(source) <= 1024
    ):
        return Path(str(source)).name
    return getattr(source, "name", None) or "the uploaded file"


def _read_bytes(source: Source, label: str, max_bytes: int) -> bytes:
    if isinstance(source, bytes):
        raw = source
    elif isinstance(source, str) and ("\n" in source or "," in source or len(source) > 1024):
        raw = source.encode("utf-8")  # CSV text, not a path
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise DataError(f"{label}: no such file. Check the path.", code="missing_file")
        if path.stat().st_size > max_bytes:
            raise _too_large(label, path.stat().st_size, max_bytes)
        raw = path.read_bytes()
    else:
        raw = source.read()
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
    if len(raw) > max_bytes:
        raise _too_large(label, len(raw), max_bytes)
    return raw


def _too_large(label: str, size: int, max_bytes: int) -> DataError:
    return DataError(
        f"{label} is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB. "
        "Split the file or upload fewer dates or tickers.",
        code="too_large",
    )


def decode(source: Source, name: str | None, max_bytes: int) -> Text:
    label = file_label(source, name)
    raw = _read_bytes(source, label, max_bytes)
    for magic, what in _MAGIC.items():
        if raw.startswith(magic):
            raise DataError(
                f"{label} looks like {what}, not a CSV file. Export it as CSV "
                "(in Excel: File > Save As > CSV UTF-8) and upload that.",
                code="not_csv",
            )
    utf16 = _utf16(raw)
    if utf16:
        return _decode_utf16(raw, label, utf16)
    if b"\x00" in raw[:8192]:
        raise DataError(
            f"{label} is a binary file, not a CSV text file. Export your data as CSV "
            "(comma-separated text) and upload that.",
            code="not_csv",
        )
    if not raw.strip():
        raise DataError(f"{label} is empty. Upload a CSV file with a header row and data.", code="empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(
            f"{label} is not UTF-8 text: byte 0x{raw[err.start]:02x} on row {line} cannot be "
            "decoded. Save the file as 'CSV UTF-8' and upload it again.",
            code="encoding",
        ) from None
    return Text(label, text)


_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def _utf16(raw: bytes) -> str | None:
    """``utf-16-le``/``-be`` for UTF-16 text (Excel's "Unicode Text"): a byte-order mark, or ASCII with zeros."""
    for bom, codec in _BOMS.items():
        if raw.startswith(bom):
            return codec
    head = raw[:4096]
    if len(head) >= 4 and len(head) % 2 == 0:
        even, odd = head[0::2], head[1::2]
        if not odd.strip(b"\x00") and even.isascii() and b"\x00" not in even:
            return "utf-16-le"
        if not even.strip(b"\x00") and odd.isascii() and b"\x00" not in odd:
            return "utf-16-be"
    return None


def _decode_utf16(raw: bytes, label: str, codec: str) -> Text:
    body = raw[2:] if raw[:2] in _BOMS else raw
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as err:
        raise DataError(
            f"{label} is UTF-16 text ({'little' if codec.endswith('le') else 'big'}-endian) but bytes "
            f"{err.start}-{err.end} cannot be decoded. Save the file as 'CSV UTF-8' and upload it again.",
            code="encoding",
        ) from None
    if not text.strip():
        raise DataError(f"{label} is empty. Upload a CSV file with a header row and data.", code="empty")
    return Text(label, text, encoding="UTF-16")
