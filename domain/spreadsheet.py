"""Text files as spreadsheets write them, and cells a spreadsheet will not run.

Excel on a Belgian Windows PC saves "CSV (gescheiden door lijstscheidingsteken)" in
Windows-1252, "CSV UTF-8" with a byte order mark; other tools write plain UTF-8. `read_text`
takes all three and says which it read, and turns every file that is not such text (a
workbook, a binary, an empty file, a directory) into one `BadFile` sentence instead of a
traceback.

Going out, a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a
formula to Excel (OWASP "CSV injection"); `neutralise` puts a single quote in front, which
Excel shows as text, and `restore` takes it off again on the way in, so an export
re-imports to the same values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 50 * 1024 * 1024  # ~500,000 members; anything larger is not a member list
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A cell is quoted when it starts, after any quotes of its own, with a formula character;
# quoting "'=x" as well keeps neutralise/restore exact for a value that really starts "'=".
_NEEDS_QUOTE = re.compile(r"^'*[=+\-@\t\r]")
_QUOTED = re.compile(r"^'+[=+\-@\t\r]")
# A UTF-8 multibyte character; in real Windows-1252 text this byte pair is mojibake ("Ã©").
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadFile(ValueError):
    """A file that is not spreadsheet text; the message says what it is, in one line."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # "UTF-8", "UTF-8 with BOM" or "Windows-1252", as said to the user


def read_text(path: Path) -> Decoded:
    """The file's text in the first of UTF-8 or Windows-1252 that decodes it."""
    try:
        if path.is_dir():
            raise BadFile(f"{path} is a directory, not a CSV file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise BadFile(f"{path.name} is {size / 1e6:.0f} MB; a member list is at most "
                          f"{MAX_BYTES / 1e6:.0f} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadFile(f"{path} does not exist") from None
    except OSError as exc:
        raise BadFile(f"{path} cannot be read: {exc.strerror or exc}") from None
    return decode(data, path.name)


def decode(data: bytes, name: str) -> Decoded:
    """Decode `data`, or raise BadFile saying why it is not a CSV text (named `name`)."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise BadFile(f"{name} is an Excel workbook, not CSV: in Excel choose Save as, "
                      "CSV (comma or semicolon separated)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadFile(f"{name} is UTF-16 text (Excel's 'Unicode text'): save it as "
                      "'CSV UTF-8' instead")
    if data.startswith(b"\xef\xbb\xbf"):
        encoding, body = "UTF-8 with BOM", data[3:]
    else:
        encoding, body = "UTF-8", data
    if not body.strip():
        raise BadFile(f"{name} is empty")
    if b"\x00" in body:
        raise BadFile(f"{name} is a binary file, not CSV text")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as not_utf8:
        line = body.count(b"\n", 0, not_utf8.start) + 1
        if encoding != "UTF-8":
            raise BadFile(f"{name} starts as UTF-8 but line {line} is not: save it again "
                          "as 'CSV UTF-8'") from None
        if _UTF8_SEQUENCE.search(body):
            raise BadFile(f"{name} mixes UTF-8 with another encoding (line {line} is not "
                          "UTF-8): save it again as 'CSV UTF-8'") from None
        try:
            encoding, text = "Windows-1252", body.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise BadFile(f"{name} is neither UTF-8 nor Windows-1252 text (byte "
                          f"0x{body[exc.start]:02x} at offset {exc.start})") from None
    control = _CONTROL.search(text.rstrip("\x1a"))  # Ctrl-Z: an old DOS end-of-file mark
    if control:
        raise BadFile(f"{name} is a binary file, not CSV text (control character "
                      f"0x{ord(control.group()):02x})")
    return Decoded(text.rstrip("\x1a"), encoding)


def neutralise(value: str) -> str:
    """The cell as Excel must get it: a leading formula character quoted with `'`."""
    return "'" + value if _NEEDS_QUOTE.match(value) else value


def restore(value: str) -> str:
    """The inverse of `neutralise`: one leading quote before a formula character goes.

    A quote before anything else stays: "'t Hoen" is a Flemish name, not an escape.
    """
    return value[1:] if _QUOTED.match(value) else value


XLSX_MAX_UNPACKED = 200 * 1024 * 1024  # a zip that unpacks beyond this is not a member list


def is_xlsx(data: bytes) -> bool:
    """An Office Open XML workbook is a zip file (what Excel saves as .xlsx)."""
    return data.startswith(b"PK\x03\x04")


def xlsx_text(data: bytes, name: str) -> Decoded:
    """The first sheet of an .xlsx workbook as CSV text, for the CSV import's validation.

    Row N of the sheet is line N of the text, so errors name the row Excel shows. A line
    break inside a cell becomes a space (it would shift every later line number), a whole
    number typed in a cell (Excel turns 0477123456 into 477123456) is written without
    ".0", and formulas count by the value Excel saved, never the formula itself."""
    import csv
    import io
    import zipfile

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > XLSX_MAX_UNPACKED:
                raise BadFile(f"{name} unpacks to more than "
                              f"{XLSX_MAX_UNPACKED / 1e6:.0f} MB; not a member list")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except BadFile:
        raise
    except Exception:  # openpyxl raises many kinds for a damaged or foreign zip
        raise BadFile(f"{name} is not an Excel workbook (.xlsx) that can be read") from None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            writer.writerow([_cell_text(value) for value in row])
    except Exception:  # a sheet damaged past its first rows
        raise BadFile(f"{name} is a damaged Excel workbook: open it in Excel and save it "
                      "again") from None
    finally:
        workbook.close()
    text = out.getvalue()
    if not text.strip(",\n"):
        raise BadFile(f"{name} is empty")
    return Decoded(text, "Excel workbook (.xlsx)")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return re.sub(r"\s*[\r\n]+\s*", " ", str(value))


def xlsx_bytes(header: list[str], rows: list[list[str]], title: str) -> bytes:
    """A one-sheet workbook of text cells only: a text cell is never run as a formula
    (no quote needed, unlike CSV) and +32470123456 is not shown as 3,2E+10."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    head = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # text, never a formula or a number
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def header_ok(header: list[str], expected: list[str], required: set[str],
              errors: list[str]) -> bool:
    """Check a CSV's first line against the expected columns; each problem is one error
    on line 1. Excel may save empty columns to the right: those do not count."""
    named = [h for h in header if h]
    missing = set(required) - set(named)
    unknown = set(named) - set(expected)
    twice = {h for h in named if named.count(h) > 1}
    if missing:
        errors.append(f"line 1: missing column(s): {', '.join(sorted(missing))}")
    if unknown:
        errors.append(f"line 1: unknown column(s): {', '.join(sorted(unknown))}")
    if twice:
        errors.append(f"line 1: column(s) given twice: {', '.join(sorted(twice))}")
    if errors:
        errors.append(f"line 1: expected header {','.join(expected)}")
    return not errors


def data_rows(reader, header: list[str], errors: list[str],
              progress: Callable[[int], None] | None = None) -> Iterator[tuple[int, list[str]]]:
    """(line number, cleaned cells) of each non-empty row after the header; a row with more
    cells than the header is one error on its line and is skipped. Line numbers are where
    a row starts, so a quoted cell over two lines does not shift the ones after it."""
    line_start = 1
    for cells in reader:
        line = line_start + 1
        line_start = reader.line_num
        if progress:
            progress(1)
        values = [restore(c.strip()).strip() for c in cells]
        if not any(values):
            continue
        if len(values) > len(header):
            errors.append(f"line {line}: more fields than columns in the header "
                          f"({len(values)}, the header has {len(header)})")
            continue
        yield line, values
