"""Scanning worksheet XML as bytes, with numpy: the extent of a sheet and where its cells are.

The engine behind :func:`~supplier_analytics.ingest.safety.inspect_workbook`: a worksheet part is fed
in pieces (:class:`Pieces`, two at a time in threads for a large part, read ahead by
:func:`read_ahead`) to an :class:`Extent`, which finds the largest row and column any cell names,
whether formulas without a cached value are present and (optionally) the last row of each kind of
cell per column, without an XML parser and without trusting a ``<dimension>`` claim. It imports
nothing of the package: the refusals (:func:`~supplier_analytics.ingest.safety.cannot_read`) are
made by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

import numpy as np

__all__ = ["Extent", "Pieces", "read_ahead", "col_number", "CHUNK", "LARGE_PART"]

LARGE_PART = 16 << 20  # parts larger than this are inflated and scanned in threads
CHUNK = 1 << 20  # 1 MiB pieces: the numpy work on them stays in cache (4 MiB was ~15% slower)
# --------------------------------------------------------------------------- scanning the XML bytes
_WS = np.array([0x20, 0x09, 0x0A, 0x0D], dtype=np.uint8)
_REF_SLOW = re.compile(rb"""[\s]r\s*=\s*["']([A-Za-z]*)(\d*)["']""")
_WIDTH = 80
_FRONT = b"\0" * 32


def col_number(letters: bytes) -> int:
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


class Extent:
    """Largest row and column that a worksheet's cells reach, from its XML bytes, chunk by chunk.

    Cells name their place in ``r="B7"``; a cell without ``r`` takes the next
    column of its row, and a row without ``r`` the next row, so the row count
    and the most cells in one row bound the extent as well.
    """

    def __init__(self, kinds: bool = True):
        self.kinds = kinds
        self.max_row = self.max_col = self.rows = self.most_cells = 0
        #: the largest row and column of a cell holding a value (a style alone is no value)
        self.value_row = self.value_col = 0
        #: every cell so far names its place (``r="B7"``): then the cells with values give the extent
        self.numbered = True
        self._carry = 0
        self.formulas = False
        self.last_rows: dict[str, dict[int, int]] | None = {"text": {}, "bool": {}, "other": {}} if kinds else None
        self.tail: bytes | None = None
        self._tail_open = False

    def feed(self, buf: bytes) -> None:
        """Take in the next piece of the XML (cut after a '>')."""
        self.merge(_chunk_facts(buf, self.kinds), buf)

    def merge(self, facts, buf: bytes) -> None:
        """Take in what :func:`_chunk_facts` found in the next piece ``buf``, in order."""
        if facts is not None:
            n_rows, first, middle, last, formulas, r, c, kinds, (numbered, vr, vc) = facts
            self.numbered = self.numbered and numbered
            self.value_row, self.value_col = max(self.value_row, vr), max(self.value_col, vc)
            self.rows += n_rows
            if n_rows:
                self.most_cells = max(self.most_cells, self._carry + first, middle, last)
                self._carry = last
            else:  # the cells all continue the row the previous piece ended in
                self._carry += first
                self.most_cells = max(self.most_cells, self._carry)
            self.formulas = self.formulas or formulas
            self.max_row, self.max_col = max(self.max_row, r), max(self.max_col, c)
            if kinds is None:
                self.last_rows = None
            elif self.last_rows is not None:
                for kind, cols in kinds.items():
                    known = self.last_rows[kind]
                    for j, row in cols.items():
                        known[j] = max(known.get(j, 0), row)
        self._keep_tail(buf)

    def _keep_tail(self, buf: bytes) -> None:
        if self._tail_open:
            if self.tail is not None:
                self.tail = self.tail + buf if len(self.tail) + len(buf) <= _MAX_TAIL else None
            return
        # the end of the cells comes near the end of the part: looked for in a piece's last MiB only
        # (a longer tail is not kept anyway, and then the fast read gives way)
        at = buf.find(b"sheetData", max(0, len(buf) - _MAX_TAIL // 4))
        m = None
        while at >= 0 and m is None:
            m = _SHEETDATA_END.match(buf, max(0, buf.rfind(b"<", 0, at)))
            at = buf.find(b"sheetData", at + 9)
        if m is not None:
            self._tail_open = True
            self.tail = buf[m.start() :] if len(buf) - m.start() <= _MAX_TAIL else None

    @property
    def extent(self) -> tuple[int, int]:
        """Last row and column holding a value when every cell names its place; else (cells without
        ``r`` take the next place, whatever it holds) the farthest any cell or row tag can reach."""
        if self.numbered:
            return self.value_row, self.value_col
        return max(self.max_row, self.rows), max(self.max_col, self.most_cells)


def _chunk_facts(buf: bytes, kinds: bool = True):
    """What one piece of a worksheet's XML (cut after a '>') holds, for :meth:`Extent.merge`.

    ``(rows, cells before the first row tag, most cells in a row started and ended here, cells
    after the last row tag, formula without value seen, largest row, largest column, kinds,
    (every cell names its place, largest row and column of a cell holding a value))``,
    ``kinds`` as :attr:`SheetInfo.last_rows` (``None``: cells written another way); ``None`` for
    a piece too short to hold a tag. Pieces are independent, so several can be read at once.
    """
    n = len(buf)
    if n < 5:
        return None
    base = np.frombuffer(_FRONT + buf + b"\0" * _WIDTH, dtype=np.uint8)
    a = base[len(_FRONT) :]  # the bytes, with zeros after them and (in base) before them
    prefixed = b":" in buf and _PREFIXED.search(buf) is not None  # <x:c ...>: names with a namespace prefix
    if prefixed:
        opens = np.flatnonzero((a[:n] == 0x3C) | (a[:n] == 0x3A))
        rows = _tag_starts(a, opens, b"row")
        cells = _tag_starts(a, opens, b"c")
        f_tags = len(_tag_starts(a, opens, b"f")) > 0
    else:
        opens = np.flatnonzero(a[:n] == 0x3C)
        first = a[opens + 1]
        at = np.flatnonzero(first == 0x63)
        at = at[_IS_END[a[opens[at] + 2]]]
        cells = opens[at]
        after = np.append(opens, n)[at + 1]  # the next '<' after each cell's own
        rows = opens[first == 0x72]
        rows = rows[(a[rows + 2] == 0x6F) & (a[rows + 3] == 0x77) & _IS_END[a[rows + 4]]]
        f_at = opens[first == 0x66]
        f_tags = bool(_IS_END[a[f_at + 2]].any())
    if len(cells):
        counts = np.bincount(np.searchsorted(rows, cells, side="right"), minlength=len(rows) + 1)
    else:
        counts = np.zeros(len(rows) + 1, dtype=np.int64)
    middle = int(counts[1:-1].max()) if len(counts) > 2 else 0
    # a formula cell without a cached value ends right after its formula (</f></c>, <f .../></c>,
    # or with an empty <v/> as openpyxl writes it)
    formulas = f_tags and _NO_VALUE.search(buf) is not None
    parsed = None if prefixed else _parse_cells(base, buf, cells, after, kinds)
    row_refs = None if parsed is None else _row_numbers(a, rows)
    last_rows: dict[str, dict[int, int]] | None = None  # None: the cells' kinds are not known
    if parsed is None or row_refs is None:
        # cells or rows written in another form: every r="..." in the bytes, the general way
        r, c, _ = _refs_extent(a, n, buf)
        values = _values_extent(buf)
    else:
        col, row, masks = parsed
        r = max(int(row.max(initial=0)), int(row_refs.max(initial=0)))
        c = int(col.max(initial=0))
        if masks is not None:
            last_rows = {"text": {}, "bool": {}, "other": {}}
            _note_last_rows(last_rows, col, row, masks)
            held = masks["text"] | masks["bool"] | masks["other"]
            values = (True, int(row[held].max(initial=0)), int(col[held].max(initial=0)))
        else:
            values = (True, r, c)
    return len(rows), int(counts[0]), middle, int(counts[-1]), formulas, r, c, last_rows, values


_CELL_TAG = re.compile(rb"<((?:[\w.-]+:)?)c\b([^>]*?)(/?)>(\s*</(?:[\w.-]+:)?c\s*>)?")


def _values_extent(buf: bytes) -> tuple[bool, int, int]:
    """For a piece written another way: whether every cell names its place, and the largest row and
    column of a cell holding a value (an empty cell, ``<c r="F9" s="3"/>`` or ``<c ...></c>``, holds
    none; a cell whose end lies in the next piece counts as holding one)."""
    kept = []
    for m in _CELL_TAG.finditer(buf):
        if _REF_SLOW.search(m.group(2)) is None:
            return False, 0, 0
        if not m.group(3) and m.group(4) is None:
            kept.append(b"<c" + m.group(2) + b">")
    text = b"".join(kept)
    if len(text) < 5:
        return True, 0, 0
    a = np.frombuffer(text + b"\0" * _WIDTH, dtype=np.uint8)
    r, c, _ = _refs_extent(a, len(text), text)
    return True, r, c


_SHEETDATA_END = re.compile(rb"</(?:[\w.-]+:)?sheetData\s*>")
_MAX_TAIL = 1 << 22
_QUOTE = np.zeros(256, dtype=bool)
_QUOTE[[0x22, 0x27]] = True


_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
_AR14 = np.arange(14)


def _parse_cells(base: np.ndarray, buf: bytes, cells: np.ndarray, after: np.ndarray, kinds: bool = True):
    """Column, row and kind of every cell whose reference is written first: ``<c r="B7" ...>``.

    ``after`` is, per cell, the position of the next ``<`` (the end of the cell, or its first
    child). Returns ``(col, row, kinds)`` with 1-based column and row and ``kinds`` a dict of
    masks: ``"text"`` (``t`` is ``s``, ``str`` or ``inlineStr``), ``"bool"`` (``t="b"``) and
    ``"other"`` (anything else with content: numbers, dates, errors, formulas); an empty cell
    (``<c .../>``, ``<c ...></c>``) is none of them. ``None`` when a cell is written another way.
    Each cell's start and end are copied into two small windows first (random reads from the
    bytes are what costs), then read column by column.
    """
    k, n = len(cells), len(buf)
    if not k:
        z = np.zeros(0, dtype=np.int64)
        return z, z, {"text": z.astype(bool), "bool": z.astype(bool), "other": z.astype(bool)}
    a = base[len(_FRONT) :]
    head = _windows(a, 18)[cells + 2]  # ' r="B7"...': head[:, j] is a[p + 2 + j]
    if not (_IS_WS[head[:, 0]] & (head[:, 1] == 0x72) & (head[:, 2] == 0x3D) & _QUOTE[head[:, 3]]).all():
        return None
    ref = head[:, 4:]
    letter = _IS_LETTER[ref[:, :4]]
    l0 = letter[:, 0]
    l1 = l0 & letter[:, 1]
    l2 = l1 & letter[:, 2]
    if not l0.all() or (l2 & letter[:, 3]).any():
        return None
    nl = l0.astype(np.int8) + l1 + l2
    v0, v1, v2 = ((ref[:, j].astype(np.int32) & ~0x20) - 64 for j in range(3))
    col = np.where(l2, v0 * 676 + v1 * 26 + v2, np.where(l1, v0 * 26 + v1, v0))
    d = ref - np.uint8(0x30)
    digit = d < 10  # uint8: anything below '0' wraps round
    inside = digit | (_AR14 < nl[:, None])
    m = np.argmin(inside, axis=1)  # letters + digits: the first position that is neither
    nd = m - nl
    if not ((nd >= 1) & (nd <= 8)).all() or not _QUOTE[ref[np.arange(k), m]].all():
        return None
    row = np.zeros(k, dtype=np.int32)
    for j in range(1, int(m.max())):  # Horner over the digits (positions nl .. m-1; at most 8: below 2**31)
        take = digit[:, j] & (j < m)
        row = np.where(take, row * 10 + d[:, j], row)
    if not kinds:
        return col.astype(np.int64), row.astype(np.int64), None
    # the end of the start tag, from the next "<": ">" just before it (then "</" means no content) or "/>"
    q = after
    tail = _windows(base, 19)[q - 17 + len(_FRONT)]  # tail[:, j] is a[q - 17 + j]; tail[:, 17] the next "<"
    if not (tail[:, 16] == 0x3E).all():
        return None
    closed = tail[:, 15] == 0x2F  # "/>"
    empty = closed | (tail[:, 18] == 0x2F)
    # the type, written last by every writer (t="s" right before ">" or "/>"), after an optional style:
    # the tag must be exactly  <c r="B7"[ s="3"][ t="s"]>  for the type found this way to be the only one
    one, three, nine, t0 = _type_patterns(tail[:, 1:17])
    if closed.any():
        c1, c3, c9, ct = _type_patterns(tail[:, 0:16])
        one, three, nine, t0 = (np.where(closed, x, y) for x, y in ((c1, one), (c3, three), (c9, nine), (ct, t0)))
    after_ref = cells + 7 + m  # just after the reference's closing quote
    gap = (q - 1 - closed) - after_ref - np.where(one, 6, np.where(three, 8, np.where(nine, 14, 0)))
    styled = gap > 0
    at = np.where(styled, after_ref, 0)
    plain = (gap == 0) | (
        styled
        & (gap >= 6)
        & (gap <= 10)
        & (a[at] == 0x20)
        & (a[at + 1] == 0x73)
        & (a[at + 2] == 0x3D)
        & (a[at + 3] == 0x22)
        & (a[np.where(styled, after_ref + gap - 1, 0)] == 0x22)
    )
    if plain.all():
        text = (one & (t0 == 0x73)) | three | nine
        boolean = one & (t0 == 0x62)
    else:
        # t="..." anywhere in the bytes; a cell's own lies between its start and the next "<"
        p = cells
        tpos = np.flatnonzero((a[: n - 3] == 0x74) & (a[1 : n - 2] == 0x3D))
        tpos = tpos[_IS_WS[a[tpos - 1]] & _QUOTE[a[tpos + 2]]]
        text = np.zeros(k, dtype=bool)
        boolean = np.zeros(k, dtype=bool)
        if len(tpos):
            owner = np.searchsorted(p, tpos, side="right") - 1
            mine = (owner >= 0) & (tpos < q[np.maximum(owner, 0)])
            tpos, owner = tpos[mine], owner[mine]
            t0, t1, t2, t3 = a[tpos + 3], a[tpos + 4], a[tpos + 5], a[tpos + 6]
            text[owner] = ((t0 == 0x73) & (_QUOTE[t1] | ((t1 == 0x74) & (t2 == 0x72) & _QUOTE[t3]))) | (t0 == 0x69)
            boolean[owner] = (t0 == 0x62) & _QUOTE[t1]
    return (
        col.astype(np.int64),
        row.astype(np.int64),
        {"text": text & ~empty, "bool": boolean & ~empty, "other": ~text & ~empty},
    )


def _type_patterns(end: np.ndarray):
    """Which tags end in  t="X"  (one character),  t="str"  or  t="inlineStr"; ``end[:, 15]`` is the
    tag's ">" (or the "/" of "/>"). Also returns the first character of a one-character type."""
    close = end[:, 14] == 0x22
    t0 = end[:, 13]
    one = close & (end[:, 12] == 0x22) & (end[:, 11] == 0x3D) & (end[:, 10] == 0x74) & (end[:, 9] == 0x20)
    r = close & (t0 == 0x72)
    three = (
        r
        & (end[:, 10] == 0x22)
        & (end[:, 9] == 0x3D)
        & (end[:, 8] == 0x74)
        & (end[:, 7] == 0x20)
        & (end[:, 11] == 0x73)
        & (end[:, 12] == 0x74)
    )
    nine = (
        r & (end[:, 4] == 0x22) & (end[:, 3] == 0x3D) & (end[:, 2] == 0x74) & (end[:, 1] == 0x20) & (end[:, 5] == 0x69)
    )
    return one, three, nine, t0


def _windows(a: np.ndarray, width: int) -> np.ndarray:
    return np.lib.stride_tricks.sliding_window_view(a, width)


def _row_numbers(a: np.ndarray, rows: np.ndarray) -> np.ndarray | None:
    """The ``r`` of every ``<row r="7" ...>`` (``None`` when a row is written another way)."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    if not (_IS_WS[a[rows + 4]] & (a[rows + 5] == 0x72) & (a[rows + 6] == 0x3D) & _QUOTE[a[rows + 7]]).all():
        return None
    out = np.zeros(len(rows), dtype=np.int64)
    done = np.zeros(len(rows), dtype=bool)
    for j in range(8, 16):
        c = a[rows + j]
        digit = (c >= 0x30) & (c <= 0x39) & ~done
        end = ~digit & ~done
        if not (_QUOTE[c] | ~end).all():
            return None
        done |= end
        out = np.where(digit, out * 10 + (c.astype(np.int64) - 0x30), out)
    if not done.all():
        return None
    return out


def _note_last_rows(seen: dict[str, dict[int, int]], col: np.ndarray, row: np.ndarray, kinds) -> None:
    """Record per kind the last row in which each (0-based) column holds such a cell."""
    for kind, mask in kinds.items():
        if not mask.any():
            continue
        c, r = col[mask], row[mask]
        last = np.zeros(int(c.max()) + 1, dtype=np.int64)
        np.maximum.at(last, c, r)
        known = seen[kind]
        for j in np.flatnonzero(last):
            known[int(j) - 1] = max(known.get(int(j) - 1, 0), int(last[j]))


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
            max_col = max(max_col, col_number(letters))
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
        sel = c1 if k == 1 else c2
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


def read_ahead(fh: IO[bytes]) -> Iterator[bytes]:
    """The chunks of ``fh``, the next one read (inflated) in a thread while the caller scans this one.

    zlib and numpy release the GIL, so on two cores the inflating costs little extra time.
    """
    import queue
    import threading

    chunks: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def put(item: bytes | BaseException) -> None:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def run() -> None:
        try:
            while not stop.is_set():
                chunk = fh.read(CHUNK)
                put(chunk)
                if not chunk:
                    return
        except BaseException as exc:  # raised again in the caller's thread
            put(exc)

    worker = threading.Thread(target=run, name="xlsx-inflate", daemon=True)
    worker.start()
    try:
        while True:
            chunk = chunks.get()
            if isinstance(chunk, BaseException):
                raise chunk
            if not chunk:
                return
            yield chunk
    finally:
        stop.set()
        worker.join()


class Pieces:
    """Pieces of a worksheet handed to :func:`_chunk_facts`, two at a time in threads for a large part
    (numpy releases the GIL), and merged into ``ext`` in their order."""

    def __init__(self, ext: Extent, *, large: bool):
        self.ext = ext
        self.pool = None
        self.pending: list = []
        if large:
            from concurrent.futures import ThreadPoolExecutor

            self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="xlsx-scan")

    def add(self, body: bytes) -> None:
        if self.pool is None:
            self.ext.feed(body)
            return
        self.pending.append((self.pool.submit(_chunk_facts, body, self.ext.kinds), body))
        while len(self.pending) > 2:
            self._merge_first()

    def _merge_first(self) -> None:
        future, body = self.pending.pop(0)
        self.ext.merge(future.result(), body)

    def finish(self) -> None:
        while self.pending:
            self._merge_first()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            for future, _ in self.pending:
                future.cancel()
            self.pool.shutdown(wait=True)
