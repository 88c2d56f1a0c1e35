"""A corpus of broken and hostile inputs, built at test time (no binary files in the repository).

``build_corpus(folder)`` writes every case into ``folder`` and returns a list
of :class:`BadInput`: the files to give (table -> path) and what the user must
get: either an error whose one sentence matches ``error`` (a regular
expression; the file name is always checked too), or a completed import whose
counts are ``rows`` (read, accepted, rejected) with a rejected reason matching
``reason``. Run it as a script to write the corpus into a folder for a look::

    python tests/ingest/bad_inputs.py some/folder

Workbooks are written as raw OOXML parts with :mod:`zipfile`, so that each
trick (entities, formulas without values, a lying ``<dimension>``, hidden
sheets) sits exactly where a crafted file would put it.
"""

from __future__ import annotations

import random
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

HEADER = ["supplier_id", "po_id", "quantity_ordered", "date_promised", "date_received"]
GOOD = [["S1", "P1", 10, "2025-01-10", "2025-01-09"], ["S2", "P2", 5, "2025-01-10", "2025-01-12"]]
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PNS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" if i > 1 else "&lol;") * 10 + '">' for i in range(1, 10))
    + "]>"
)
XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@dataclass
class BadInput:
    """One case: the files to read and what the user must get."""

    name: str
    files: dict[str, Path]
    error: str | None = None  # regex the one-sentence error must match
    rows: tuple[int, int, int] | None = None  # rows read, accepted, rejected (of the first table)
    reason: str | None = None  # regex that some rejected reason must match
    notes: list[str] = field(default_factory=list)  # regexes that some note must match

    @property
    def path(self) -> Path:
        return next(iter(self.files.values()))


# --------------------------------------------------------------------------- writing workbooks by hand
def _cell(ref: str, v) -> str:
    if v is None:
        return ""
    if isinstance(v, tuple):  # ("f", formula, cached or None)
        _, formula, cached = v
        value = "" if cached is None else f"<v>{cached}</v>"
        return f'<c r="{ref}"><f>{escape(formula)}</f>{value}</c>'
    if isinstance(v, str) and v.startswith("&"):  # an entity reference, written raw
        return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
    if isinstance(v, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
    return f'<c r="{ref}"><v>{v}</v></c>'


def _col(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def sheet_xml(rows, *, doctype: str = "", dimension: str | None = None, extra_rows: str = "") -> str:
    body = "".join(
        f'<row r="{i}">' + "".join(_cell(f"{_col(j)}{i}", v) for j, v in enumerate(r)) + "</row>"
        for i, r in enumerate(rows, start=1)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
        f'<worksheet xmlns="{NS}">{dim}<sheetData>{body}{extra_rows}</sheetData></worksheet>'
    )


def write_xlsx(path: Path, sheets, *, shared_strings: str | None = None) -> Path:
    """``sheets``: list of (name, sheet XML, state); ``shared_strings``: raw sharedStrings.xml or None."""
    over = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT}.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    if shared_strings is not None:
        over += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{RNS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    if shared_strings is not None:
        rels += f'<Relationship Id="rIdS" Type="{RNS}/sharedStrings" Target="sharedStrings.xml"/>'
    listed = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i}"'
        + (f' state="{state}"' if state != "visible" else "")
        + f' r:id="rId{i}"/>'
        for i, (name, _, state) in enumerate(sheets, start=1)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>{over}</Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PNS}">'
            f'<Relationship Id="rId1" Type="{RNS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" '
            f'xmlns:r="{RNS}"><sheets>{listed}</sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PNS}">{rels}</Relationships>',
        )
        for i, (_, xml, _) in enumerate(sheets, start=1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        if shared_strings is not None:
            z.writestr("xl/sharedStrings.xml", shared_strings)
    return path


def good_xlsx(path: Path, rows=None) -> Path:
    return write_xlsx(path, [("Receipts", sheet_xml([HEADER, *(GOOD if rows is None else rows)]), "visible")])


def write_csv(path: Path, rows, *, encoding: str = "utf-8", sep: str = ",") -> Path:
    text = "\r\n".join(sep.join("" if v is None else str(v) for v in r) for r in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------- OLE2 and zip bombs
def ole2(path: Path, streams: list[str]) -> Path:
    """A minimal OLE2 compound file whose first directory sector names ``streams`` (after the root entry).

    Enough for detection: the 8-byte magic, 512-byte sectors, the directory in sector 0.
    """
    header = bytearray(512)
    header[0:8] = bytes.fromhex("d0cf11e0a1b11ae1")
    header[0x18:0x1A] = struct.pack("<H", 0x3E)  # minor version
    header[0x1A:0x1C] = struct.pack("<H", 3)  # major version 3: 512-byte sectors
    header[0x1C:0x1E] = b"\xfe\xff"  # byte order
    header[0x1E:0x20] = struct.pack("<H", 9)  # sector shift: 2**9 = 512
    header[0x20:0x22] = struct.pack("<H", 6)
    header[0x2C:0x30] = struct.pack("<I", 1)  # one FAT sector
    header[0x30:0x34] = struct.pack("<I", 0)  # first directory sector
    header[0x38:0x3C] = struct.pack("<I", 4096)
    header[0x3C:0x40] = struct.pack("<I", 0xFFFFFFFE)
    header[0x44:0x48] = struct.pack("<I", 0xFFFFFFFE)
    header[0x4C:0x50] = struct.pack("<I", 1)  # FAT in sector 1
    for k in range(0x50, 512, 4):
        header[k : k + 4] = struct.pack("<I", 0xFFFFFFFF)
    directory = bytearray()
    for name in ["Root Entry", *streams][:4]:
        entry = bytearray(128)
        raw = name.encode("utf-16-le") + b"\0\0"
        entry[0 : len(raw)] = raw
        entry[0x40:0x42] = struct.pack("<H", len(raw))
        entry[0x42] = 5 if name == "Root Entry" else 2
        directory += entry
    directory += bytes(512 - len(directory))
    fat = bytearray(struct.pack("<I", 0xFFFFFFFE) + struct.pack("<I", 0xFFFFFFFD)) + b"\xff" * 504
    path.write_bytes(bytes(header) + bytes(directory) + bytes(fat) + b"\0" * 512)
    return path


def zip_bomb(path: Path, gib: float = 2.0) -> Path:
    """An .xlsx whose sheet XML expands to ``gib`` GiB from about a megabyte per GiB on disk.

    The deflate stream is one compressed block of 8 MiB of rows repeated
    (each block ends with a full flush, so blocks are independent); the CRC and
    sizes in the directory are the true ones, so a reader that inflated it
    would really get gigabytes.
    """
    chunk = b'<row><c t="n"><v>0</v></c></row>' * (8 * 2**20 // 32)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    head = f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData>'.encode()
    tail = b"</sheetData></worksheet>"
    n = int(gib * 2**30 // len(chunk))
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    last = comp.compress(tail) + comp.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(n):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + n * len(chunk) + len(tail)
    small = good_xlsx(path.with_suffix(".tmp.xlsx"))
    with zipfile.ZipFile(small) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist() if "worksheets" not in i.filename]
    small.unlink()
    out = bytearray()
    central = bytearray()

    def add(name: bytes, data_parts, crc32: int, csize: int, usize: int) -> None:
        offset = len(out)
        out.extend(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc32, csize, usize, len(name), 0))
        out.extend(name)
        for p in data_parts:
            out.extend(p)
        central.extend(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc32,
                csize,
                usize,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
        )
        central.extend(name)

    for name, data in parts:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = c.compress(data) + c.flush()
        add(name.encode(), [packed], zlib.crc32(data), len(packed), len(data))
    csize = len(first) + n * len(block) + len(last)
    add(b"xl/worksheets/sheet1.xml", [first, block * n, last], crc, csize, size)
    count = len(parts) + 1
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(out), 0)
    path.write_bytes(bytes(out) + bytes(central) + end)
    return path


# --------------------------------------------------------------------------- the corpus
def build_corpus(folder: Path) -> list[BadInput]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[BadInput] = []

    def err(name, filename, build, error, table="deliveries"):
        cases.append(BadInput(name, {table: build(folder / filename)}, error=error))

    def ok(name, filename, build, rows, reason=None, table="deliveries", notes=()):
        cases.append(BadInput(name, {table: build(folder / filename)}, rows=rows, reason=reason, notes=list(notes)))

    # ---- not what the name says, damaged, encrypted
    good = good_xlsx(folder / "_good.xlsx").read_bytes()
    err(
        "truncated xlsx",
        "truncated.xlsx",
        lambda p: (p.write_bytes(good[: len(good) // 2]), p)[1],
        r"damaged or truncated",
    )
    err(
        "truncated to 100 bytes",
        "truncated_tiny.xlsx",
        lambda p: (p.write_bytes(good[:100]), p)[1],
        r"damaged or truncated",
    )

    def corrupt(p):
        data = bytearray(good)
        i = data.find(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml") + 5
        for k in range(i, i + 40):
            data[k] ^= 0x5A
        p.write_bytes(bytes(data))
        return p

    err("corrupt sheet data", "corrupt.xlsx", corrupt, r"damaged")
    err(
        "CSV renamed to .xlsx",
        "csv_renamed.xlsx",
        lambda p: write_csv(p, [HEADER, *GOOD]),
        r"not an Excel workbook but plain text",
    )
    err(
        "encrypted workbook",
        "encrypted.xlsx",
        lambda p: ole2(p, ["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"]),
        r"password-protected",
    )
    err("xls (BIFF) file", "old.xls", lambda p: ole2(p, ["Workbook", "\x05SummaryInformation"]), r"97-2003")
    err("xls renamed to .xlsx", "old_renamed.xlsx", lambda p: ole2(p, ["Workbook"]), r"97-2003")
    err(
        "web page saved as .xls",
        "report.xls",
        lambda p: (p.write_text("<html><body><table><tr><td>supplier_id</td></tr></table></body></html>"), p)[1],
        r"web page \(HTML\)",
    )
    err(
        "zip that is not a workbook",
        "archive.xlsx",
        lambda p: (zipfile.ZipFile(p, "w").writestr("readme.txt", "hello"), p)[1],
        r"zip file but not an Excel",
    )
    err("xlsx given as .csv", "workbook.csv", lambda p: good_xlsx(p), r"Excel workbook or another zip file")
    err("empty .xlsx", "empty.xlsx", lambda p: (p.write_bytes(b""), p)[1], r"the file is empty")
    err("empty .csv", "empty.csv", lambda p: (p.write_bytes(b""), p)[1], r"the file is empty")
    err("blank lines only .csv", "blank.csv", lambda p: (p.write_bytes(b"\r\n\r\n  \r\n"), p)[1], r"empty")
    err("missing file", "does_not_exist.xlsx", lambda p: p, r"does not exist")
    err("unsupported extension", "data.ods", lambda p: (p.write_bytes(b"PK\x03\x04"), p)[1], r"not supported")
    err("binary junk .csv", "junk.csv", lambda p: (p.write_bytes(bytes(range(256)) * 8), p)[1], r"binary data")

    # ---- XML attacks
    ss = f'<?xml version="1.0"?>{{dt}}<sst xmlns="{NS}" count="1" uniqueCount="1"><si><t>{{v}}</t></si></sst>'
    shared_ref_rows = [HEADER, *GOOD, ["S3", "P3", 1, "2025-01-10", "2025-01-10"]]

    def with_sst(doctype, value):
        def build(p):
            xml = sheet_xml(shared_ref_rows).replace(
                '<c r="A4" t="inlineStr"><is><t>S3</t></is></c>', '<c r="A4" t="s"><v>0</v></c>'
            )
            return write_xlsx(p, [("Receipts", xml, "visible")], shared_strings=ss.format(dt=doctype, v=value))

        return build

    err(
        "billion laughs in sharedStrings.xml",
        "laughs_shared.xlsx",
        with_sst(BILLION_LAUGHS, "&lol9;"),
        r"declares XML entities",
    )
    err(
        "billion laughs in sheet1.xml",
        "laughs_sheet.xlsx",
        lambda p: write_xlsx(
            p,
            [
                (
                    "Receipts",
                    sheet_xml([HEADER, *GOOD, ["&lol9;", "P", 1, "2025-01-01", "2025-01-01"]], doctype=BILLION_LAUGHS),
                    "visible",
                )
            ],
        ),
        r"declares XML entities",
    )
    err(
        "external entity (XXE) in sharedStrings.xml",
        "xxe_shared.xlsx",
        with_sst(XXE, "&xxe;"),
        r"declares XML entities",
    )
    err(
        "external entity (XXE) in sheet1.xml",
        "xxe_sheet.xlsx",
        lambda p: write_xlsx(
            p,
            [("Receipts", sheet_xml([HEADER, ["&xxe;", "P", 1, "2025-01-01", "2025-01-01"]], doctype=XXE), "visible")],
        ),
        r"declares XML entities",
    )
    err("zip bomb (2 GiB of sheet XML)", "bomb.xlsx", zip_bomb, r"zip bomb|expand to")
    err(
        "one cell at row 1,048,576 column XFD",
        "far_cell.xlsx",
        lambda p: write_xlsx(
            p,
            [
                (
                    "Receipts",
                    sheet_xml([HEADER, *GOOD], extra_rows=('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')),
                    "visible",
                )
            ],
        ),
        r"reaches row 1,048,576 and column XFD",
    )
    err(
        "one cell at row 1,048,576 column Z",
        "far_cell_z.xlsx",
        lambda p: write_xlsx(
            p,
            [
                (
                    "Receipts",
                    sheet_xml([HEADER, *GOOD], extra_rows=('<row r="1048576"><c r="Z1048576"><v>1</v></c></row>')),
                    "visible",
                )
            ],
        ),
        r"more than the 4,000,000 cells",
    )
    ok(
        "formatted empty cells down to row 1,048,576 (whole-column formatting)",
        "formatted_empty.xlsx",
        lambda p: write_xlsx(
            p,
            [
                (
                    "Receipts",
                    sheet_xml(
                        [HEADER, *GOOD],
                        dimension="A1:F1048576",
                        extra_rows='<row r="1048576" s="3" customFormat="1"><c r="F1048576" s="3"/></row>',
                    ),
                    "visible",
                )
            ],
        ),
        (2, 2, 0),
    )
    err(
        "a stray value at row 1,000,000 in column F",
        "far_value.xlsx",
        lambda p: write_xlsx(
            p,
            [
                (
                    "Receipts",
                    sheet_xml(
                        [HEADER, *GOOD],
                        extra_rows='<row r="1000000"><c r="F1000000" t="inlineStr"><is><t>x</t></is></c></row>',
                    ),
                    "visible",
                )
            ],
        ),
        r"reaches row 1,000,000 and column F with values \(6,000,000 cells from A1.*delete any stray value",
    )
    ok(
        "dimension claims A1:Z1048576",
        "dimension.xlsx",
        lambda p: write_xlsx(p, [("Receipts", sheet_xml([HEADER, *GOOD], dimension="A1:Z1048576"), "visible")]),
        (2, 2, 0),
    )

    # ---- formulas, hidden sheets, long cells
    ok(
        "formulas with cached values",
        "formulas_cached.xlsx",
        lambda p: write_xlsx(
            p,
            [
                (
                    "Receipts",
                    sheet_xml(
                        [
                            HEADER,
                            ["S1", "P1", ("f", "2*5", 10), 45667, 45666],
                            ["S2", "P2", ("f", "A1+1", 5), 45667, 45669],
                        ]
                    ),
                    "visible",
                )
            ],
        ),
        (2, 2, 0),
    )
    ok(
        "formulas without cached values",
        "formulas_uncached.xlsx",
        lambda p: write_xlsx(
            p,
            [
                (
                    "Receipts",
                    sheet_xml(
                        [
                            HEADER,
                            ["S1", "P1", ("f", "2*5", None), 45667, 45666],
                            ["S2", "P2", 5, 45667, 45669],
                            [("f", "X1", None), ("f", "X2", None), 3, 45667, ("f", "TODAY()", None)],
                        ]
                    ),
                    "visible",
                )
            ],
        ),
        (3, 1, 2),
        r"^formula without a value: open and save the file in Excel, or export values$",
    )
    ok(
        "data on a hidden sheet after a visible one",
        "hidden_first.xlsx",
        lambda p: write_xlsx(
            p,
            [
                ("Secret", sheet_xml([HEADER, ["S9", "P9", 99, 45667, 45667]]), "hidden"),
                ("Receipts", sheet_xml([HEADER, *GOOD]), "visible"),
                ("Old", sheet_xml([HEADER, ["S8", "P8", 9, 45667, 45667]]), "veryHidden"),
            ],
        ),
        (2, 2, 0),
    )
    err(
        "every sheet hidden",
        "all_hidden.xlsx",
        lambda p: write_xlsx(
            p, [("Secret", sheet_xml([HEADER, *GOOD]), "hidden"), ("Old", sheet_xml([HEADER, *GOOD]), "veryHidden")]
        ),
        r"every sheet is hidden",
    )
    rng = random.Random(8)
    long_text = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(2**20))
    ok(
        "1 MB text cell in a CSV",
        "long_cell.csv",
        lambda p: write_csv(p, [HEADER, *GOOD, [long_text, "P3", 1, "2025-01-10", "2025-01-10"]]),
        (3, 2, 1),
        r"1,048,576 characters, more than the 32,767",
    )
    ok(
        "1 MB text cell in a workbook",
        "long_cell.xlsx",
        lambda p: good_xlsx(p, [*GOOD, ["S3", long_text, 1, "2025-01-10", "2025-01-10"]]),
        (3, 2, 1),
        r"more than the 32,767",
    )

    # ---- bad values
    wrong = [
        HEADER,
        ["S1", "P1", "ten", "soon", "never"],
        ["", "", "", "", ""],
        [True, 3.5, "2025-01-01", 7, "x"],
        ["S4", "P4", "1e999", "31.02.2025", "2025-13-01"],
        *GOOD,
    ]
    ok(
        "wrong types in every column",
        "wrong_types.csv",
        lambda p: write_csv(p, wrong),
        (5, 2, 3),
        r"not a number|not a date|missing value",
    )
    ok(
        "wrong types in every column (xlsx)",
        "wrong_types.xlsx",
        lambda p: write_xlsx(
            p,
            [
                (
                    "Receipts",
                    sheet_xml(
                        [HEADER, ["S1", "P1", "ten", "soon", 45667], ["S2", "P2", 45667, 10, "yesterday"], *GOOD]
                    ),
                    "visible",
                )
            ],
        ),
        (4, 2, 2),
        r"not a number|not a date",
    )
    ok(
        "dates before 1900 and after 2100",
        "date_range.csv",
        lambda p: write_csv(
            p,
            [
                HEADER,
                ["S1", "P1", 1, "1899-12-31", "2025-01-01"],
                ["S1", "P2", 1, "2025-01-01", "2101-01-01"],
                ["S1", "P3", 1, "0001-01-01", "2025-01-01"],
                *GOOD,
            ],
        ),
        (5, 2, 3),
        r"date out of range",
    )
    ok(
        "Excel serials 0, 60 and beyond 2100",
        "serials.xlsx",
        lambda p: good_xlsx(
            p, [["S1", "P1", 1, 0, 45667], ["S1", "P2", 1, 60, 45667], ["S1", "P3", 1, 2958466, 45667], *GOOD]
        ),
        (5, 2, 3),
        r"out of range|29 February|not",
    )
    ok(
        "NaN, inf and negative quantities",
        "nan_inf.csv",
        lambda p: write_csv(
            p,
            [
                HEADER,
                ["S1", "P1", "nan", "2025-01-10", "2025-01-10"],
                ["S1", "P2", "inf", "2025-01-10", "2025-01-10"],
                ["S1", "P3", "-inf", "2025-01-10", "2025-01-10"],
                ["S1", "P4", "-5", "2025-01-10", "2025-01-10"],
                *GOOD,
            ],
        ),
        (6, 2, 4),
        r"negative value|not a (finite )?number",
    )
    ok(
        "NaN and inf as workbook numbers",
        "nan_inf.xlsx",
        lambda p: good_xlsx(
            p,
            [
                ["S1", "P1", "NaN", 45667, 45667],
                ["S1", "P2", "INF", 45667, 45667],
                ["S1", "P3", -1, 45667, 45667],
                *GOOD,
            ],
        ),
        (5, 2, 3),
        r"negative|not a",
    )
    ok(
        "duplicate records",
        "duplicates.csv",
        lambda p: write_csv(p, [HEADER, *GOOD, GOOD[0], GOOD[0]]),
        (4, 2, 2),
        r"exact duplicate of row 2",
    )
    ok(
        "received before ordered",
        "before_ordered.csv",
        lambda p: write_csv(
            p,
            [
                [*HEADER, "date_ordered"],
                ["S1", "P1", 1, "2025-01-10", "2025-01-01", "2025-01-05"],
                ["S2", "P2", 5, "2025-01-10", "2025-01-12", "2025-01-02"],
            ],
        ),
        (2, 1, 1),
        r"date_received is before date_ordered",
    )
    ok(
        "formula text in cells (kept as text, never evaluated)",
        "formula_text.csv",
        lambda p: write_csv(
            p,
            [
                HEADER,
                ["=cmd|'/C calc'!A0", "+P1", 1, "2025-01-10", "2025-01-10"],
                ["@SUM(A1)", "-P2", 2, "2025-01-10", "2025-01-10"],
            ],
        ),
        (2, 2, 0),
    )
    ok(
        "control characters and terminal escapes in ids",
        "control_chars.csv",
        lambda p: write_csv(p, [HEADER, ["S\x1b[31m1", "P1", "x\x07", "2025-01-10", "2025-01-10"], *GOOD]),
        (3, 2, 1),
        r"not a number",
    )
    ok(
        "header only (CSV)",
        "header_only.csv",
        lambda p: write_csv(p, [HEADER]),
        (0, 0, 0),
        notes=[r"header but no data rows"],
    )
    ok(
        "header only (xlsx)",
        "header_only.xlsx",
        lambda p: good_xlsx(p, []),
        (0, 0, 0),
        notes=[r"header but no data rows"],
    )
    err("no header at all", "no_header.csv", lambda p: write_csv(p, GOOD), r"lacks the required|no header row")

    # ---- encodings (the same two rows with accents; each must read clean)
    accented = [
        HEADER,
        ["Müller-Stahl", "P1", 10, "2025-01-10", "2025-01-09"],
        ["Société Générale", "P2", 5, "2025-01-10", "2025-01-12"],
    ]
    for label, enc, fname in (
        ("UTF-8", "utf-8", "utf8.csv"),
        ("UTF-8 with BOM", "utf-8-sig", "utf8_bom.csv"),
        ("UTF-16 LE with BOM", "utf-16-le", "utf16le.csv"),
        ("UTF-16 BE with BOM", "utf-16-be", "utf16be.csv"),
        ("cp1252", "cp1252", "cp1252.csv"),
        ("latin-1", "latin-1", "latin1.csv"),
    ):

        def build(p, enc=enc):
            data = write_csv(p, accented, encoding=enc, sep=";").read_bytes()
            bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(enc, b"")
            p.write_bytes(bom + data)
            return p

        ok(f"encoding {label}", fname, build, (2, 2, 0))
    ok(
        "cp1252 with euro sign and curly quotes",
        "cp1252_euro.csv",
        lambda p: write_csv(
            p, [[*HEADER, "value"], ["“S1”", "P1", 1, "2025-01-10", "2025-01-10", "€ 5,00"]], encoding="cp1252", sep=";"
        ),
        (1, 1, 0),
    )

    # ---- cross-table: unknown suppliers
    master = write_csv(folder / "suppliers.csv", [["supplier_id", "supplier_name"], ["S1", "One"]])
    deliveries = write_csv(
        folder / "unknown_supplier.csv", [HEADER, *GOOD, ["S404", "P9", 1, "2025-01-10", "2025-01-10"]]
    )
    cases.append(
        BadInput(
            "unknown suppliers",
            {"deliveries": deliveries, "suppliers": master},
            rows=(3, 1, 2),
            reason=r"unknown supplier 'S2': not in the supplier master",
        )
    )
    ok(
        "supplier master with a repeated id",
        "master_dupe.csv",
        lambda p: write_csv(p, [["supplier_id", "supplier_name"], ["S1", "One"], ["S1", "Again"]]),
        (2, 1, 1),
        r"repeats row 2",
        table="suppliers",
    )
    (folder / "_good.xlsx").unlink()
    return cases


if __name__ == "__main__":  # pragma: no cover
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "bad_inputs")
    for case in build_corpus(out):
        print(f"{case.name}: {', '.join(str(p) for p in case.files.values())}")
