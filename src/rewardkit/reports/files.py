"""A run's file: rows encoded as CSV (RFC 4180, UTF-8, CRLF, a header line) or JSON Lines, one chunk of
rows at a time, compressed (zlib) into report_chunks as it goes, and read back chunk by chunk on
download. The published bytes are stored, so a succeeded run downloads identically forever."""

from __future__ import annotations

import csv
import io
import zlib
from typing import Any

import orjson

from rewardkit.reports.columns import Amount, Column

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Amount):
        return value.decimal()
    return value


class Encoder:
    def __init__(self, fmt: str, columns: tuple[Column, ...]) -> None:
        self.fmt, self.columns = fmt, columns
        self.names = [c.name for c in columns]
        self._money = [c.name for c in columns if c.money]

    def header(self) -> bytes:
        if self.fmt != "csv":
            return b""  # JSON Lines has no header: every line names its fields
        return self._csv([self.names])

    def rows(self, rows: list[dict[str, Any]]) -> bytes:
        if self.fmt == "csv":
            return self._csv([[_csv_cell(r[n]) for n in self.names] for r in rows])
        out = []
        for r in rows:
            obj: dict[str, Any] = {}
            for n in self.names:
                v = r[n]
                obj[n] = v.decimal() if isinstance(v, Amount) else v
            for n in self._money:  # the same amounts in integer minor units
                obj.setdefault(f"{n}_minor", r[n].minor)
            out.append(orjson.dumps(obj))
        return b"".join(line + b"\n" for line in out)

    @staticmethod
    def _csv(lines: list[list[Any]]) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(lines)
        return buf.getvalue().encode()


def pack(data: bytes) -> bytes:
    return zlib.compress(data, 6)


def unpack(data: bytes) -> bytes:
    return zlib.decompress(data)
