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
  row and column of a cell that holds a value are found (numpy over the bytes, :mod:`.xmlscan`), so a
  single value at row 1,048,576 cannot make a reader allocate the whole
  rectangle above it (calamine would allocate rows x columns cells, and
  aborts the process when that fails); a sheet whose values span more than
  :data:`MAX_SHEET_CELLS` cells is refused. Formatted empty cells
  (``<c r="F1048576" s="3"/>``, whole formatted rows or columns) hold no value and do not count:
  the readers skip them too, and the openpyxl fallback is told to stop at the last value. A
  ``<dimension>`` claim is not trusted and costs nothing;
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

from supplier_analytics.errors import InputError
from supplier_analytics.ingest import xmlscan
from supplier_analytics.ingest.xmlscan import Extent, Pieces, col_number, read_ahead

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
    "cell_kinds",
    "formula_cells_without_value",
    "cannot_read",
]

#: Most members (files) a workbook zip may hold.
MAX_MEMBERS = 10_000
#: Largest total uncompressed size of a workbook's members (512 MiB).
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
#: Largest compression ratio (uncompressed / compressed) of a member larger than 1 MiB.
MAX_RATIO = 200
#: Largest sheet, counted as rows x columns from A1 to the farthest cell holding a value (4 million,
#: e.g. 200,000 x 20); formatted empty cells do not count.
MAX_SHEET_CELLS = 4_000_000
#: Longest text a cell may hold: Excel's own limit (32,767 characters).
MAX_CELL_CHARS = 32_767

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
    "encrypted": (
        "it is password-protected (encrypted)",
        "open it in Excel, remove the password (File > Info > Protect Workbook) and save it again, "
        "or export the data without a password",
    ),
    "xls": (
        "it is an old Excel 97-2003 workbook (.xls), which is not supported",
        "open it in Excel and save it as .xlsx, or export the data as CSV",
    ),
    "html": (
        "it is not an Excel workbook but a web page (HTML) saved with a spreadsheet name",
        "open it in Excel and save it as .xlsx, or export the data as CSV",
    ),
    "xml": (
        "it is not an Excel workbook but an XML file (perhaps an Excel 2003 XML spreadsheet)",
        "open it in Excel and save it as .xlsx, or export the data as CSV",
    ),
    "text": (
        "it is not an Excel workbook but plain text (a CSV file with a spreadsheet name?)",
        "give it the extension .csv, or open it in Excel and save it as .xlsx",
    ),
    "parquet": ("it is not an Excel workbook but a parquet file", "give it the extension .parquet"),
    "empty": ("the file is empty", "export the data again"),
    "binary": (
        "it is not an Excel workbook (no .xlsx/.xlsm content)",
        "open it in Excel and save it again as .xlsx, or give it the right file extension",
    ),
}


@dataclass
class SheetInfo:
    """One worksheet as the workbook lists it, with its extent: the last row and column holding a value."""

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


def _scan_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, *, sheet: bool, kinds: bool = True) -> Extent:
    """Stream one member: refuse a DTD; for a worksheet return its extent and whether it has formulas
    (and with ``kinds`` the last row of each kind of cell per column)."""
    ext = Extent(kinds)
    tail = b""
    try:
        large = info.file_size > xmlscan.LARGE_PART
        with z.open(info) as fh, Pieces(ext, large=large) as pieces:
            chunks = read_ahead(fh) if large else iter(lambda: fh.read(xmlscan.CHUNK), b"")
            try:
                for chunk in chunks:
                    buf = tail + chunk
                    if b"!" in buf and (b"<!DOCTYPE" in buf or b"<!ENTITY" in buf):
                        raise cannot_read(
                            path,
                            f"{info.filename} inside it declares XML entities (a DTD), which Excel never "
                            "writes and which entity-expansion and external-entity attacks use",
                            "open it in Excel and save it again, or ask the sender for a clean export",
                        )
                    cut = buf.rfind(b">") + 1 if sheet else max(0, len(buf) - 16)
                    body, tail = buf[:cut], buf[cut:]
                    if sheet:
                        pieces.add(body)
                    if len(tail) > xmlscan.CHUNK:  # no '>' for megabytes: not a sane worksheet
                        raise cannot_read(
                            path, f"{info.filename} inside it is not valid XML", "open it in Excel and save it again"
                        )
                if sheet and tail:
                    pieces.add(tail)
                pieces.finish()
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()  # stops the read-ahead thread when a check refused the file
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
    ) as exc:
        if isinstance(exc, InputError):
            raise
        raise cannot_read(
            path,
            f"the workbook is damaged or truncated ({info.filename}: {_one_line(exc, 80)})",
            "copy the file again, or open it in Excel and save it again as .xlsx",
        ) from None
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
        raise cannot_read(
            path, exc.strerror or str(exc), "check the path and that the file is not open elsewhere"
        ) from None
    kind = sniff_file(path, head)
    if kind != "zip":
        why, todo = _NOT_XLSX[kind]
        raise cannot_read(path, why, todo)
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise cannot_read(
            path,
            "the workbook is damaged or truncated (its zip directory cannot be read)",
            "copy the file again, or open it in Excel and save it again as .xlsx",
        ) from None
    with z:
        infos = z.infolist()
        if len(infos) > MAX_MEMBERS:
            raise cannot_read(
                path,
                f"the workbook holds {len(infos):,} parts, more than the {MAX_MEMBERS:,} allowed",
                "open it in Excel and save it again, or export the data as CSV",
            )
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise cannot_read(
                path,
                f"it would expand to {total / 2**20:,.0f} MiB when unpacked, more than the "
                f"{MAX_UNCOMPRESSED_BYTES // 2**20} MiB allowed (a zip bomb, or a sheet far too large for one file)",
                "export the data as CSV or parquet, or split it into smaller files",
            )
        for i in infos:
            if i.file_size > 2**20 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                ratio = i.file_size / max(i.compress_size, 1)
                raise cannot_read(
                    path,
                    f"{i.filename} inside it is compressed {ratio:,.0f} to 1, more than the {MAX_RATIO} to 1 "
                    "that real workbooks reach (a zip bomb)",
                    "ask the sender for a normal export, or export the data as CSV",
                )
        names = {i.filename for i in infos}
        if not any(n.endswith(".xml") for n in names):
            raise cannot_read(
                path,
                "it is a zip file but not an Excel workbook (no .xlsx/.xlsm content)",
                "open it in Excel and save it again as .xlsx, or give it the right file extension",
            )
        try:
            sheets = _sheet_list(z, names)
        except InputError:
            raise
        except Exception as exc:
            if "Forbidden" in type(exc).__name__:  # defusedxml: entities or external references
                raise cannot_read(
                    path,
                    "its workbook part declares XML entities (a DTD), which Excel never writes "
                    "and which entity-expansion and external-entity attacks use",
                    "open it in Excel and save it again, or ask the sender for a clean export",
                ) from None
            sheets = []  # an odd workbook.xml: the readers judge it; extents stay conservative below
        sheet_members = {s.member for s in sheets if s.member} | {
            n for n in names if n.lower().startswith("xl/worksheets/") and n.lower().endswith(".xml")
        }
        # every XML part once: DTDs refused, worksheets measured
        extents: dict[str, tuple[int, int, bool]] = {}
        found: dict[str, Extent] = {}
        for i in infos:
            low = i.filename.lower()
            if i.filename in sheet_members:
                found[i.filename] = e = _scan_member(z, i, path, sheet=True)
                extents[i.filename] = (*e.extent, e.formulas)
            elif low.endswith((".xml", ".rels", ".vml")):
                _scan_member(z, i, path, sheet=False)
    widest = (
        max((e[0] for e in extents.values()), default=0),
        max((e[1] for e in extents.values()), default=0),
        any(e[2] for e in extents.values()),
    )
    for s in sheets:
        # a sheet whose part is unknown gets the largest extent seen (conservative)
        s.max_row, s.max_col, s.has_formulas = widest if s.member is None else extents.get(s.member, widest)
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


def cell_kinds(path: Path, member: str) -> dict[str, dict[int, int]] | None:
    """:attr:`SheetInfo.last_rows` of one worksheet part, scanned again (for tests and checks)."""
    with zipfile.ZipFile(path) as z:
        return _scan_member(z, z.getinfo(member), path, sheet=True, kinds=True).last_rows


def check_sheet_extent(path: Path, s: SheetInfo) -> None:
    """Refuse a sheet whose farthest value makes it larger than :data:`MAX_SHEET_CELLS`."""
    cells = s.max_row * s.max_col
    if cells > MAX_SHEET_CELLS:
        where = f"sheet {s.name!r}" if s.name else "a sheet"
        col = _letters(s.max_col) if s.max_col <= 16384 else f"column {s.max_col:,}"
        raise cannot_read(
            path,
            f"{where} reaches row {s.max_row:,} and column {col} with values ({cells:,} cells from A1, "
            f"counting the empty ones between), more than the {MAX_SHEET_CELLS:,} cells one sheet may span",
            "delete any stray value far below or right of the data and save it again, "
            "or split the data into smaller files",
        )


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
                    col_no, r = col_number(m.group(1).encode()), int(m.group(2))
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
