"""Delimited text files as they arrive: encoding and separator sniffed, rows read by DuckDB.

Encodings: UTF-8 with or without a BOM, else cp1252 (Windows Excel's "CSV"), else Latin-1.
Separators: `,` `;` tab `|`, whichever splits the first lines into the same number of fields.
The rows themselves are read by DuckDB's CSV reader as text (no per-cell Python).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

__all__ = ["SniffError", "TextFile", "load_text", "record_lines", "sniff"]

_SEPARATORS = (",", ";", "\t", "|")
_HEAD_BYTES = 1 << 16
_CHUNK = 1 << 20


class SniffError(Exception):
    """A file that cannot be read as delimited text; the message says why."""


@dataclass(frozen=True, kw_only=True)
class TextFile:
    path: Path
    encoding: str  # utf-8 | utf-8-sig | cp1252 | latin-1
    sep: str
    header_line: int  # 0-based index of the header line in the file
    header: tuple[str, ...]
    comments: tuple[str, ...] = ()  # the `#` lines before the header (cBioPortal)

    @property
    def first_data_line(self) -> int:
        """Line number (1-based, as an editor counts) of the first record."""
        return self.header_line + 2


def _encoding(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(3)
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            fh.seek(0)
            try:
                codecs.decode(fh.read(), "cp1252")
                return "cp1252"
            except UnicodeDecodeError:
                return "latin-1"
    return "utf-8-sig" if head == codecs.BOM_UTF8 else "utf-8"


def _separator(lines: list[str]) -> str:
    best, best_fields = ",", 1
    for sep in _SEPARATORS:
        counts = [len(row) for row in csv.reader(lines, delimiter=sep) if row]
        if not counts:
            continue
        width = counts[0]
        consistent = sum(1 for c in counts if c == width) >= max(1, int(0.9 * len(counts)))
        if consistent and width > best_fields:
            best, best_fields = sep, width
    return best


def sniff(path: Path) -> TextFile:
    """How to read a delimited file: its encoding, separator and header line."""
    encoding = _encoding(path)
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    text = head.decode(encoding, errors="replace")
    lines = text.splitlines()
    if len(head) == _HEAD_BYTES and lines:
        lines = lines[:-1]  # the last line may be cut
    comments: list[str] = []
    index = 0
    while index < len(lines) and (lines[index].startswith("#") or not lines[index].strip()):
        if lines[index].startswith("#"):
            comments.append(lines[index].lstrip("\ufeff"))
        index += 1
    if index >= len(lines):
        raise SniffError("is empty")
    # A cBioPortal header starts with `#` and has no separate header line after it.
    body = [line for line in lines[index : index + 50] if line.strip()]
    sep = _separator(body)
    header = next(csv.reader([lines[index].lstrip("\ufeff")], delimiter=sep))
    return TextFile(
        path=path,
        encoding=encoding,
        sep=sep,
        header_line=index,
        header=tuple(header),
        comments=tuple(comments),
    )


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_text(
    con: duckdb.DuckDBPyConnection,
    tf: TextFile,
    relation: str,
    workdir: Path,
    clean: Callable[[dict[str, str], str], str] = lambda cells, source: f"SELECT * FROM {source}",
) -> None:
    """Every record of `tf` into TEMP table `relation` (c0…cN, in file order), in one parallel
    pass of DuckDB's CSV reader; `clean(cells, source)` is the SELECT of the cleaned text."""
    source = tf.path
    if tf.encoding in ("cp1252", "latin-1"):
        # DuckDB reads UTF-8; a Windows file is re-encoded once, in chunks.
        source = workdir / f"{relation}.utf8.csv"
        with (
            tf.path.open("r", encoding=tf.encoding, newline="") as src,
            source.open("w", encoding="utf-8", newline="") as dst,
        ):
            while chunk := src.read(_CHUNK):
                dst.write(chunk)
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(tf.header)))
    cells = {f"c{i}": f"c{i}" for i in range(len(tf.header))}
    reader = (
        f"read_csv({_quoted(str(source))}, header = false, skip = {tf.header_line + 1}, "
        f"auto_detect = false, columns = {{{columns}}}, delim = {_quoted(tf.sep)}, "
        "quote = '\"', escape = '\"', strict_mode = true)"
    )
    con.execute(f"CREATE TEMP TABLE {relation} AS {clean(cells, reader)}")


def record_lines(tf: TextFile, records: Iterable[int]) -> dict[int, int]:
    """Line numbers (as an editor counts them) of records by their 0-based index.

    Only called to report problems, so it may read the file in Python once.
    """
    wanted = set(records)
    if not wanted:
        return {}
    last = max(wanted)
    out: dict[int, int] = {}
    with tf.path.open("r", encoding=tf.encoding, newline="") as fh:
        for _ in range(tf.header_line + 1):
            fh.readline()
        reader = csv.reader(fh, delimiter=tf.sep)
        record = 0
        before = 0
        for row in reader:
            if row:  # DuckDB skips empty lines; so do records
                if record in wanted:
                    out[record] = tf.header_line + 2 + before
                record += 1
                if record > last:
                    break
            before = reader.line_num
    return out
