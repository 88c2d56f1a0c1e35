"""Checks that run before a file is parsed, so that a broken or crafted file is refused cheaply.

Spreadsheet files (.xlsx, .xlsm) are zip archives of XML. Before calamine or
openpyxl sees one, :func:`inspect_workbook` looks at it with bounded work:

* the first bytes tell what the file really is (:func:`sniff`): a zip, an
  old Excel 97-2003 workbook or a password-protected workbook (both OLE2
  compound files), a web page or an XML spreadsheet saved with an Excel name,
  or plain text (a CSV file renamed to .xlsx);
* the zip directory alone (nothing decompressed yet) bounds the work: at most
  :data:`MAX_MEMBERS` members, :data:`MAX_UNCOMPRESSED_BYTES` in total and a
  compression ratio of at most :data:`MAX_RATIO` per member (a "zip bomb"
  expands to gigabytes from a few kilobytes). Python's zipfile and calamine
  both stop at the declared size, so a directory that lies cannot make them
  inflate more than it declares;
* every XML part is streamed once: a document type declaration (``<!DOCTYPE``
  or ``<!ENTITY``, which Excel never writes and which entity-expansion and
  external-entity attacks need) is refused; for each worksheet the largest
  row and column that any cell names are found (numpy over the bytes), so a
  single cell at row 1,048,576 cannot make a reader allocate the whole
  rectangle above it (calamine would allocate rows x columns cells, and
  aborts the process when that fails); a sheet spanning more than
  :data:`MAX_SHEET_CELLS` cells is refused. A ``<dimension>`` claim is not
  trusted and costs nothing;
* formula cells that carry no cached value (files written by programs that
  never calculated them) are located, so the rows they are on can be rejected
  with that reason instead of reading the cell as empty.

openpyxl parses through defusedxml (``openpyxl.DEFUSEDXML`` is true when it is
installed, a dependency of this package) and calamine does not expand
entities at all (an undeclared entity is an XML error), so these checks are a
second line that gives a clear message, not the only one.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from supplier_analytics.errors import InputError

__all__ = [
    "MAX_MEMBERS",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_RATIO",
    "MAX_SHEET_CELLS",
    "MAX_CELL_CHARS",
    "SheetInfo",
    "WorkbookInfo",
    "sniff",
    "sniff_file",
    "inspect_workbook",
    "check_sheet_extent",
    "formula_cells_without_value",
    "cannot_read",
]

#: Most members (files) a workbook zip may hold.
MAX_MEMBERS = 10_000
#: Largest total uncompressed size of a workbook's members (512 MiB).
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
#: Largest compression ratio (uncompressed / compressed) of a member larger than 1 MiB.
MAX_RATIO = 200
#: Largest sheet, counted as rows x columns from A1 to the farthest cell (4 million, e.g. 200,000 x 20).
MAX_SHEET_CELLS = 4_000_000
#: Longest text a cell may hold: Excel's own limit (32,767 characters).
MAX_CELL_CHARS = 32_767

_CHUNK = 1 << 22
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def cannot_read(path: Path, why: str, todo: str) -> InputError:
    """The one-sentence :class:`InputError` for a file that cannot be read at all."""
    return InputError(f"Cannot read {path.name}: {why}; {todo}.")


def _one_line(text: object, limit: int = 160) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


def sniff(head: bytes) -> str:
    """What the first bytes of a file say it is.

    One of ``"zip"``, ``"encrypted"`` (an OLE2 file holding an
    ``EncryptionInfo`` stream: a password-protected Office file), ``"xls"``
    (another OLE2 file: Excel 97-2003), ``"parquet"``, ``"html"``,
    ``"xml"``, ``"empty"``, ``"binary"`` or ``"text"``.

    >>> sniff(b"PK\\x03\\x04rest"), sniff(b"Vendor;PO\\n1;2\\n"), sniff(b"")
    ('zip', 'text', 'empty')
    """
    if not head.strip():
        return "empty"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(_OLE2):
        if "EncryptionInfo".encode("utf-16-le") in head or b"EncryptionInfo" in head:
            return "encrypted"
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    start = head.lstrip()[:512].lower()
    for bom in (b"\xef\xbb\xbf",):
        start = start.removeprefix(bom)
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")):
        return "html"
    if start.startswith(b"<?xml"):
        return "html" if b"<html" in start else "xml"
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return "text"
    if b"\x00" in head[:4096]:
        return "binary"
    return "text"


def sniff_file(path: Path, head: bytes) -> str:
    """:func:`sniff`, reading an OLE2 file's first directory sector to tell an encrypted workbook from an .xls."""
    kind = sniff(head)
    if kind == "xls" and len(head) >= 0x34:
        shift = int.from_bytes(head[0x1E:0x20], "little")
        first = int.from_bytes(head[0x30:0x34], "little")
        if 7 <= shift <= 16 and first < 0xFFFFFFFA:
            size = 1 << shift
            try:
                with open(path, "rb") as fh:
                    fh.seek((first + 1) * size)
                    directory = fh.read(size)
            except OSError:
                return kind
            if "EncryptionInfo".encode("utf-16-le") in directory:
                return "encrypted"
    return kind


_NOT_XLSX = {
    "encrypted": ("it is password-protected (encrypted)",
                  "open it in Excel, remove the password (File > Info > Protect Workbook) and save it again, "
                  "or export the data without a password"),
    "xls": ("it is an old Excel 97-2003 workbook (.xls), which is not supported",
            "open it in Excel and save it as .xlsx, or export the data as CSV"),
    "html": ("it is not an Excel workbook but a web page (HTML) saved with a spreadsheet name",
             "open it in Excel and save it as .xlsx, or export the data as CSV"),
    "xml": ("it is not an Excel workbook but an XML file (perhaps an Excel 2003 XML spreadsheet)",
            "open it in Excel and save it as .xlsx, or export the data as CSV"),
    "text": ("it is not an Excel workbook but plain text (a CSV file with a spreadsheet name?)",
             "give it the extension .csv, or open it in Excel and save it as .xlsx"),
    "parquet": ("it is not an Excel workbook but a parquet file", "give it the extension .parquet"),
    "empty": ("the file is empty", "export the data again"),
    "binary": ("it is not an Excel workbook (no .xlsx/.xlsm content)",
               "open it in Excel and save it again as .xlsx, or give it the right file extension"),
}


@dataclass
class SheetInfo:
    """One worksheet as the workbook lists it, with its extent from the cell references."""

    name: str
    state: str  # "visible", "hidden" or "veryHidden"
    member: str | None
    max_row: int = 0
    max_col: int = 0
    has_formulas: bool = False  # formula cells without a cached value were seen
    #: per kind of cell content -- ``"text"`` (``t="s"``, ``"str"``, ``"inlineStr"``), ``"bool"``
    #: (``t="b"``) and ``"other"`` (numbers, dates, errors, formulas, booleans) -- the last 1-based
    #: row in which each 0-based column holds such a cell; ``None`` when unknown (a cell written
    #: in another form than ``<c r="B7" s="3" t="s">``)
    last_rows: dict[str, dict[int, int]] | None = None
    #: the worksheet XML from the end of its cells (``</sheetData>``) on, when short (merged ranges ...)
    tail: bytes | None = None

    @property
    def hidden(self) -> bool:
        return self.state in ("hidden", "veryHidden")


@dataclass
class WorkbookInfo:
    """What :func:`inspect_workbook` learned; ``sheets`` in workbook order (empty if unknown)."""

    sheets: list[SheetInfo] = field(default_factory=list)

    def sheet(self, name: str) -> SheetInfo | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None


# --------------------------------------------------------------------------- scanning the XML bytes
_WS = np.array([0x20, 0x09, 0x0A, 0x0D], dtype=np.uint8)
_REF_SLOW = re.compile(rb"""[\s]r\s*=\s*["']([A-Za-z]*)(\d*)["']""")
_WIDTH = 64


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n


_IS_WS = np.zeros(256, dtype=bool)
_IS_WS[_WS] = True
_IS_LETTER = np.zeros(256, dtype=bool)
_IS_LETTER[65:91] = True
_IS_LETTER[97:123] = True
_IS_END = _IS_WS.copy()
_IS_END[[0x3E, 0x2F]] = True  # '>' and '/'


def _tag_starts(a: np.ndarray, opens: np.ndarray, name: bytes) -> np.ndarray:
    """Those of ``opens`` (positions of '<' and ':') where an element ``name`` starts."""
    hit = np.ones(len(opens), dtype=bool)
    for i, ch in enumerate(name, start=1):
        hit &= a[opens + i] == ch
    return opens[hit & _IS_END[a[opens + len(name) + 1]]]


_NO_VALUE = re.compile(
    rb"(?:</(?:[\w.-]+:)?f>|<(?:[\w.-]+:)?f\b[^>]*/>)\s*"  # the end of a formula, then
    rb"(?:<(?:[\w.-]+:)?v\s*/>\s*|<(?:[\w.-]+:)?v>\s*</(?:[\w.-]+:)?v>\s*)?"  # no value or an empty one
    rb"</(?:[\w.-]+:)?c>"
)


class _Extent:
    """Largest row and column that a worksheet's cells reach, from its XML bytes, chunk by chunk.

    Cells name their place in ``r="B7"``; a cell without ``r`` takes the next
    column of its row, and a row without ``r`` the next row, so the row count
    and the most cells in one row bound the extent as well.
    """

    def __init__(self):
        self.max_row = self.max_col = self.rows = self.most_cells = 0
        self._carry = 0
        self.formulas = False
        self.last_rows: dict[str, dict[int, int]] | None = {"text": {}, "bool": {}, "other": {}}
        self.tail: bytes | None = None
        self._tail_open = False

    def feed(self, buf: bytes) -> None:
        n = len(buf)
        if n < 5:
            return
        a = np.frombuffer(buf + b"\0" * _WIDTH, dtype=np.uint8)
        opens = np.flatnonzero((a[:n] == 0x3C) | (a[:n] == 0x3A))
        rows = _tag_starts(a, opens, b"row")
        cells = _tag_starts(a, opens, b"c")
        self.rows += len(rows)
        if len(cells):
            counts = np.bincount(np.searchsorted(rows, cells, side="right"), minlength=len(rows) + 1)
        else:
            counts = np.zeros(len(rows) + 1, dtype=np.int64)
        counts[0] += self._carry
        self.most_cells = max(self.most_cells, int(counts.max()))
        self._carry = int(counts[-1])
        # a formula cell without a cached value ends right after its formula (</f></c>, <f .../></c>,
        # or with an empty <v/> as openpyxl writes it)
        if not self.formulas and len(_tag_starts(a, opens, b"f")) and _NO_VALUE.search(buf):
            self.formulas = True
        r, c, refs = _refs_extent(a, n, buf)
        self.max_row, self.max_col = max(self.max_row, r), max(self.max_col, c)
        if self.last_rows is not None:
            self.last_rows = _cell_kinds(a, cells, self.last_rows)
        self._keep_tail(buf)

    def _keep_tail(self, buf: bytes) -> None:
        if self._tail_open:
            if self.tail is not None:
                self.tail = self.tail + buf if len(self.tail) + len(buf) <= _MAX_TAIL else None
            return
        at = buf.find(b"sheetData")
        m = None
        while at >= 0 and m is None:
            m = _SHEETDATA_END.match(buf, max(0, buf.rfind(b"<", 0, at)))
            at = buf.find(b"sheetData", at + 9)
        if m is not None:
            self._tail_open = True
            self.tail = buf[m.start():] if len(buf) - m.start() <= _MAX_TAIL else None

    @property
    def extent(self) -> tuple[int, int]:
        return max(self.max_row, self.rows), max(self.max_col, self.most_cells)


_SHEETDATA_END = re.compile(rb"</(?:[\w.-]+:)?sheetData\s*>")
_MAX_TAIL = 1 << 22
_QUOTE = np.zeros(256, dtype=bool)
_QUOTE[[0x22, 0x27]] = True


def _cell_kinds(a: np.ndarray, cells: np.ndarray,
                seen: dict[str, dict[int, int]]) -> dict[str, dict[int, int]] | None:
    """``seen`` updated with the last row per column of each kind of cell in ``a`` (see ``SheetInfo.last_rows``).

    Cells are read in the form every writer uses, ``<c r="B7" s="3" t="s">``: the reference
    first, then an optional style, then an optional type. A cell is text when its type is ``s``,
    ``str`` or ``inlineStr``; a cell with no content (``<c .../>``, ``<c ...></c>``) holds
    nothing. Returns ``None`` when a cell is written another way (its column or type is then
    not known here).
    """
    if not len(cells):
        return seen
    p = cells
    if not ((a[p + 3] == 0x72) & (a[p + 4] == 0x3D) & _QUOTE[a[p + 5]] & _IS_WS[a[p + 2]]).all():
        return None
    # column letters, then the row digits up to the closing quote
    x = p + 6
    col = np.zeros(len(p), dtype=np.int64)
    letter = np.ones(len(p), dtype=bool)
    for _ in range(3):
        letter &= _IS_LETTER[a[x]]
        col = np.where(letter, col * 26 + ((a[x].astype(np.int64) & ~0x20) - 64), col)
        x = x + letter
    if (col == 0).any():
        return None
    row = np.zeros(len(p), dtype=np.int64)
    for _ in range(8):
        digit = (a[x] >= 0x30) & (a[x] <= 0x39)
        row = np.where(digit, row * 10 + (a[x].astype(np.int64) - 0x30), row)
        x = x + digit
    if (row == 0).any():
        return None
    if not _QUOTE[a[x]].all():
        return None
    x = x + 1  # after the reference's closing quote
    # an optional s="123"
    style = _IS_WS[a[x]] & (a[x + 1] == 0x73) & (a[x + 2] == 0x3D) & _QUOTE[a[x + 3]]
    y = np.where(style, x + 4, x)
    for _ in range(6):
        digit = style & (a[y] >= 0x30) & (a[y] <= 0x39)
        y = y + digit
    if not (~style | _QUOTE[a[y]]).all():
        return None
    x = np.where(style, y + 1, x)
    # an optional t="..."
    typed = _IS_WS[a[x]] & (a[x + 1] == 0x74) & (a[x + 2] == 0x3D) & _QUOTE[a[x + 3]]
    v = x + 4
    is_bool = typed & (a[v] == 0x62) & _QUOTE[a[v + 1]]
    is_text = typed & (((a[v] == 0x73) & _QUOTE[a[v + 1]]) | (a[v] == 0x69) | (
        (a[v] == 0x73) & (a[v + 1] == 0x74) & (a[v + 2] == 0x72) & _QUOTE[a[v + 3]]))
    # then the end of the start tag: "/>" (empty), ">" followed by "</" (empty) or by content
    y = np.where(typed, v, x)
    for _ in range(10):
        y = y + (typed & ~_QUOTE[a[y]])
    y = np.where(typed, y + 1, y)
    if not ((a[y] == 0x3E) | ((a[y] == 0x2F) & (a[y + 1] == 0x3E))).all():
        return None
    empty = (a[y] == 0x2F) | ((a[y + 1] == 0x3C) & (a[y + 2] == 0x2F))
    for kind, mask in (("text", is_text & ~empty), ("bool", is_bool & ~empty), ("other", ~is_text & ~empty)):
        if not mask.any():
            continue
        c, r = col[mask], row[mask]
        last = np.zeros(int(c.max()) + 1, dtype=np.int64)
        np.maximum.at(last, c, r)
        known = seen[kind]
        for j in np.flatnonzero(last):
            known[int(j) - 1] = max(known.get(int(j) - 1, 0), int(last[j]))
    return seen


def _refs_extent(a: np.ndarray, n: int, buf: bytes) -> tuple[int, int, tuple[np.ndarray, np.ndarray]]:
    """Largest row and column named by an ``r="A1"`` attribute (a row's ``r="7"`` counts as a row).

    Also returns the positions of the plain ``r="..."`` attributes and the 1-based column each names
    (0 for a row's reference).
    """
    none = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    cand = np.flatnonzero(a[1:n] == 0x72) + 1  # 'r'
    if not len(cand):
        return 0, 0, none
    cand = cand[_IS_WS[a[cand - 1]]]
    after = a[cand + 1]
    # anything but the plain r="..." / r='...' form goes through a regular expression
    canonical = (after == 0x3D) & ((a[cand + 2] == 0x22) | (a[cand + 2] == 0x27))
    max_row = max_col = 0
    huge = 1 << 40
    if (_IS_WS[after] | ((after == 0x3D) & ~canonical)).any():
        for letters, digits in _REF_SLOW.findall(buf):
            if len(letters) > 3 or len(digits) > 11:
                return huge, huge, none
            max_row = max(max_row, int(digits) if digits else 0)
            max_col = max(max_col, _col_number(letters))
    pos = cand[canonical] + 3
    if not len(pos):
        return max_row, max_col, none
    quotes = np.flatnonzero((a[:n] == 0x22) | (a[:n] == 0x27))
    nxt = np.searchsorted(quotes, pos)
    if (nxt >= len(quotes)).any():
        return huge, huge, none  # an unterminated attribute: not a worksheet anyone wrote
    length = quotes[nxt] - pos
    is_letter = _IS_LETTER
    c0 = is_letter[a[pos]]
    c1 = c0 & is_letter[a[pos + 1]]
    c2 = c1 & is_letter[a[pos + 2]]
    if (c2 & is_letter[a[pos + 3]]).any():
        return huge, huge, none  # a column beyond XFD
    nl = c0.astype(np.int64) + c1 + c2
    nd = length - nl
    if nd.max() > 11:
        return huge, huge, none
    up = (a[pos].astype(np.int64) & ~0x20) - 64
    all_cols = np.where(c0, up, 0)
    for k in (1, 2):
        step = (a[pos + k].astype(np.int64) & ~0x20) - 64
        sel = (c1 if k == 1 else c2)
        all_cols = np.where(sel, all_cols * 26 + step, all_cols)
    # the largest row has the most digits; among those, the largest value
    sel = nd == nd.max()
    start, k_digits = pos[sel] + nl[sel], int(nd.max())
    rows = np.zeros(len(start), dtype=np.int64)
    for k in range(k_digits):
        rows = rows * 10 + (a[start + k].astype(np.int64) - 48)
    max_row = max(max_row, int(rows.max()))
    max_col = max(max_col, int(all_cols.max()))
    return max_row, max_col, (pos, all_cols)


def _scan_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, *, sheet: bool) -> _Extent:
    """Stream one member: refuse a DTD; for a worksheet return its extent and whether it has formulas."""
    ext = _Extent()
    tail = b""
    try:
        with z.open(info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                buf = tail + chunk
                if b"<!DOCTYPE" in buf or b"<!ENTITY" in buf:
                    raise cannot_read(
                        path, f"{info.filename} inside it declares XML entities (a DTD), which Excel never writes "
                        "and which entity-expansion and external-entity attacks use",
                        "open it in Excel and save it again, or ask the sender for a clean export")
                cut = buf.rfind(b">") + 1 if sheet else max(0, len(buf) - 16)
                body, tail = buf[:cut], buf[cut:]
                if sheet:
                    ext.feed(body)
                if len(tail) > _CHUNK:  # no '>' for megabytes: not a sane worksheet
                    raise cannot_read(path, f"{info.filename} inside it is not valid XML",
                                      "open it in Excel and save it again")
            if sheet and tail:
                ext.feed(tail)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError) as exc:
        if isinstance(exc, InputError):
            raise
        raise cannot_read(path, f"the workbook is damaged or truncated ({info.filename}: {_one_line(exc, 80)})",
                          "copy the file again, or open it in Excel and save it again as .xlsx") from None
    return ext


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _sheet_list(z: zipfile.ZipFile, names: set[str]) -> list[SheetInfo]:
    """Sheets from xl/workbook.xml and its relationships (parsed with defusedxml, after the DTD check)."""
    from defusedxml import ElementTree as ET

    def parse(member):
        return ET.fromstring(z.read(member)) if member in names else None

    wb_member = "xl/workbook.xml"
    root = parse("_rels/.rels")
    if root is not None:
        for rel in root:
            if rel.get("Type", "").endswith("/officeDocument"):
                wb_member = posixpath.normpath(rel.get("Target", wb_member).lstrip("/"))
    wb = parse(wb_member)
    if wb is None:
        return []
    base = posixpath.dirname(wb_member)
    rels_member = posixpath.join(base, "_rels", posixpath.basename(wb_member) + ".rels")
    targets = {}
    rels = parse(rels_member)
    if rels is not None:
        for rel in rels:
            target = rel.get("Target", "")
            full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
            targets[rel.get("Id")] = full
    out = []
    for el in wb.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
        out.append(SheetInfo(name=el.get("name", ""), state=el.get("state", "visible"), member=targets.get(rid)))
    return out


def inspect_workbook(path: Path) -> WorkbookInfo:
    """Check a spreadsheet file before it is parsed; raise :class:`InputError` with a clear sentence if not fit.

    Returns the sheets with their visibility and extent (see the module docstring).
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise cannot_read(path, exc.strerror or str(exc), "check the path and that the file is not open elsewhere") from None
    kind = sniff_file(path, head)
    if kind != "zip":
        why, todo = _NOT_XLSX[kind]
        raise cannot_read(path, why, todo)
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise cannot_read(path, "the workbook is damaged or truncated (its zip directory cannot be read)",
                          "copy the file again, or open it in Excel and save it again as .xlsx") from None
    with z:
        infos = z.infolist()
        if len(infos) > MAX_MEMBERS:
            raise cannot_read(path, f"the workbook holds {len(infos):,} parts, more than the {MAX_MEMBERS:,} allowed",
                              "open it in Excel and save it again, or export the data as CSV")
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise cannot_read(
                path, f"it would expand to {total / 2**20:,.0f} MiB when unpacked, more than the "
                f"{MAX_UNCOMPRESSED_BYTES // 2**20} MiB allowed (a zip bomb, or a sheet far too large for one file)",
                "export the data as CSV or parquet, or split it into smaller files")
        for i in infos:
            if i.file_size > 2**20 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                ratio = i.file_size / max(i.compress_size, 1)
                raise cannot_read(
                    path, f"{i.filename} inside it is compressed {ratio:,.0f} to 1, more than the {MAX_RATIO} to 1 "
                    "that real workbooks reach (a zip bomb)",
                    "ask the sender for a normal export, or export the data as CSV")
        names = {i.filename for i in infos}
        if not any(n.endswith(".xml") for n in names):
            raise cannot_read(path, "it is a zip file but not an Excel workbook (no .xlsx/.xlsm content)",
                              "open it in Excel and save it again as .xlsx, or give it the right file extension")
        try:
            sheets = _sheet_list(z, names)
        except InputError:
            raise
        except Exception as exc:
            if "Forbidden" in type(exc).__name__:  # defusedxml: entities or external references
                raise cannot_read(path, "its workbook part declares XML entities (a DTD), which Excel never writes "
                                  "and which entity-expansion and external-entity attacks use",
                                  "open it in Excel and save it again, or ask the sender for a clean export") from None
            sheets = []  # an odd workbook.xml: the readers judge it; extents stay conservative below
        sheet_members = {s.member for s in sheets if s.member} | {
            n for n in names if n.lower().startswith("xl/worksheets/") and n.lower().endswith(".xml")}
        # every XML part once: DTDs refused, worksheets measured
        extents: dict[str, tuple[int, int, bool]] = {}
        found: dict[str, _Extent] = {}
        for i in infos:
            low = i.filename.lower()
            if i.filename in sheet_members:
                found[i.filename] = e = _scan_member(z, i, path, sheet=True)
                extents[i.filename] = (*e.extent, e.formulas)
            elif low.endswith((".xml", ".rels", ".vml")):
                _scan_member(z, i, path, sheet=False)
    widest = (max((e[0] for e in extents.values()), default=0), max((e[1] for e in extents.values()), default=0),
              any(e[2] for e in extents.values()))
    for s in sheets:
        # a sheet whose part is unknown gets the largest extent seen (conservative)
        s.max_row, s.max_col, s.has_formulas = extents.get(s.member, widest)
        if s.member in found:
            s.last_rows, s.tail = found[s.member].last_rows, found[s.member].tail
    if not sheets:  # unknown which part is which sheet: judge every worksheet part
        for m in sorted(extents):
            r, c, f = extents[m]
            check_sheet_extent(path, SheetInfo(name="", state="visible", member=m, max_row=r, max_col=c))
    return WorkbookInfo(sheets)


def _letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def check_sheet_extent(path: Path, s: SheetInfo) -> None:
    """Refuse a sheet whose farthest cell makes it larger than :data:`MAX_SHEET_CELLS`."""
    cells = s.max_row * s.max_col
    if cells > MAX_SHEET_CELLS:
        where = f"sheet {s.name!r}" if s.name else "a sheet"
        col = _letters(s.max_col) if s.max_col <= 16384 else f"column {s.max_col:,}"
        raise cannot_read(
            path, f"{where} reaches row {s.max_row:,} and column {col} ({cells:,} cells counting the empty "
            f"ones), more than the {MAX_SHEET_CELLS:,} cells one sheet may span",
            "delete the empty rows and columns below and right of the data and save it again, "
            "or split the data into smaller files")


def formula_cells_without_value(path: Path, member: str) -> list[tuple[int, int]]:
    """0-based (row, column) of the formula cells in ``member`` that carry no cached value.

    Parsed with defusedxml's iterparse, one row at a time; only called for a
    sheet in which a formula tag was seen.
    """
    from defusedxml.ElementTree import iterparse

    out: list[tuple[int, int]] = []
    row_no = 0
    with zipfile.ZipFile(path) as z, z.open(member) as fh:
        col_no = 0
        for event, el in iterparse(fh, events=("start", "end")):
            tag = _local(el.tag)
            if event == "start":
                if tag == "row":
                    r = el.get("r")
                    row_no = int(r) if r and r.isdigit() else row_no + 1
                    col_no = 0
                continue
            if tag == "c":
                ref = el.get("r")
                m = re.fullmatch(r"([A-Za-z]{1,3})(\d+)", ref or "")
                if m:
                    col_no, r = _col_number(m.group(1).encode()), int(m.group(2))
                else:
                    col_no, r = col_no + 1, row_no
                kids = {_local(k.tag): k for k in el}
                if "f" in kids:
                    v = kids.get("v")
                    has_value = (v is not None and (v.text or "") != "") or "is" in kids
                    if not has_value:
                        out.append((r - 1, col_no - 1))
                el.clear()
            elif tag == "row":
                el.clear()
    return out
