"""Writing files safely: text no spreadsheet evaluates, names that stay in their folder, atomic writes.

A leaf module: it imports nothing of the package but :mod:`supplier_analytics.errors`, so the readers
(:mod:`supplier_analytics.ingest`), the batch runs and the reports can all use it without importing each
other.

**Formula injection.** A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is evaluated as a formula by Excel, LibreOffice and Google Sheets when
the file is opened. Text values from inputs (supplier names, defect codes,
comments) are therefore written with a leading apostrophe in CSV files (the
OWASP recommendation) and as explicit text cells with the quote prefix in
workbooks. Numbers stay numbers: only text is touched.

Examples
--------
>>> safe_cell("=SUM(A1:A9)")
"'=SUM(A1:A9)"
>>> safe_cell("-12")
"'-12"
>>> safe_cell(-12.5)
-12.5
>>> safe_cell("ACME Ltd")
'ACME Ltd'

Output paths are the other half: :func:`safe_filename` turns a supplier id
into a file or folder name that cannot leave its folder or hit a Windows
device name.

Files written for others to read (manifests, pointers, HTML pages) are written under a temporary name
and renamed (:func:`write_text_atomic`, :func:`write_json_atomic`), so that a reader never sees half of
one. The temporary file is made by :func:`mkstemp_umask`, which (unlike :func:`tempfile.mkstemp`, always
0600) gives it the mode any other new file gets: 0666 less the user's umask, 0644 by default, so that
colleagues who may read the output folder can open every file in it.

Settings files the user writes (configuration, mapping, batch job) are read by :func:`read_toml`, with
one set of messages that say what is wrong and what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from supplier_analytics.errors import ConfigError

__all__ = [
    "FORMULA_TRIGGERS",
    "WINDOWS_RESERVED",
    "safe_filename",
    "needs_neutralising",
    "safe_cell",
    "safe_frame_for_csv",
    "write_csv",
    "mkstemp_umask",
    "write_text_atomic",
    "write_json_atomic",
    "fsync_file",
    "fsync_dir",
    "read_toml",
]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Names Windows reserves for devices, with or without an extension (``CON``, ``con.txt`` ...).
WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {f"{p}{i}" for p in ("COM", "LPT") for i in "123456789¹²³"}
)
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def safe_filename(text: str, *, max_length: int = 64) -> str:
    """A file or folder name made from ``text`` (a supplier id, say) that stays inside its folder on any system.

    Path separators, ``..``, characters Windows forbids (``<>:"|?*``) and
    control characters become ``_``; leading and trailing dots and spaces go;
    Windows device names (``CON``, ``PRN``, ``AUX``, ``NUL``, ``COM1``-``COM9``,
    ``LPT1``-``LPT9``, with or without an extension) get a leading ``_``; the
    result is at most ``max_length`` characters. Whenever the name had to
    change, the first 8 hex digits of the SHA-256 of the original are appended, so two different inputs
    never end up with the same name (``a/b`` and ``a_b`` stay apart). A name
    that needed no change is returned as it is.

    Examples
    --------
    >>> safe_filename("S001")
    'S001'
    >>> safe_filename("../../etc")
    '____etc-74ccf3c5'
    >>> safe_filename("CON")
    '_CON-a3dbc4b6'
    >>> safe_filename("Müller GmbH")
    'Müller GmbH'
    """
    if not isinstance(text, str):
        text = str(text)
    name = unicodedata.normalize("NFC", text)
    name = _UNSAFE_CHARS.sub("_", name)
    name = re.sub(r"\.{2,}", "_", name).strip(" .")
    if name.split(".")[0].strip(" ").upper() in WINDOWS_RESERVED:
        name = "_" + name
    if not name or set(name) <= {"_", "."}:
        name = "_" + name if name else "_"
    suffix = "-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    max_length = max(max_length, len(suffix) + 1)
    if name != text or len(name) > max_length:
        name = name[: max_length - len(suffix)].rstrip(" .") + suffix
    return name


def needs_neutralising(value) -> bool:
    """Whether ``value`` is text that a spreadsheet would evaluate."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def safe_cell(value):
    """Return ``value`` with a leading apostrophe when it is text a spreadsheet would evaluate."""
    return "'" + value if needs_neutralising(value) else value


def safe_frame_for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot act as formulas; numbers and dates unchanged."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype):
            text = s.astype("object")
            mask = text.map(needs_neutralising).astype(bool)
            if mask.any():
                text = text.where(~mask, "'" + text[mask].astype(str))
                out[col] = text
    # Column headers come from inputs too.
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, **kwargs) -> Path:
    """Write ``frame`` as UTF-8 CSV (with BOM, so Excel reads accents) with formula triggers neutralised.

    Lines end in CRLF (RFC 4180, as Excel writes CSV), which also makes the
    writer quote every cell holding a carriage return or a line feed: with
    bare LF line ends a carriage return inside a value would be written
    unquoted, and Excel would start a new row there, whose first cell could be
    a formula (``"ACME\r=HYPERLINK(...)"``).
    """
    path = Path(path)
    kwargs.setdefault("index", False)
    kwargs.setdefault("lineterminator", "\r\n")
    kwargs.setdefault("encoding", "utf-8-sig")
    kwargs.setdefault("date_format", "%Y-%m-%d")
    safe_frame_for_csv(frame).to_csv(path, **kwargs)
    return path


def mkstemp_umask(*, prefix: str = "tmp", suffix: str = "", dir: str | Path) -> tuple[int, str]:
    """Like :func:`tempfile.mkstemp` (an open descriptor and the path of a new file), with the mode of a new file.

    ``tempfile.mkstemp`` creates its files 0600, for secrets; an output renamed into place from one would be
    readable by its owner only. Here the file is created with ``os.open(..., 0o666)`` and the process's umask
    applies, as it does to any file the user writes (0644 with the usual umask 022, 0600 with 077). No
    umask is read or changed, so this is safe with threads.

    Examples
    --------
    >>> import os, stat, tempfile
    >>> old = os.umask(0o022)
    >>> fd, tmp = mkstemp_umask(prefix=".a-", suffix=".tmp", dir=tempfile.mkdtemp())
    >>> os.close(fd); oct(stat.S_IMODE(os.stat(tmp).st_mode))
    '0o644'
    >>> _ = os.umask(old)
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        path = os.path.join(dir, f"{prefix}{secrets.token_hex(6)}{suffix}")
        try:
            return os.open(path, flags, 0o666), path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {dir} with prefix {prefix!r}")


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` under a temporary name in the same folder, fsync, then rename.

    A process killed at any moment leaves either the old file or the new one at ``path``
    (and at worst a ``.<name>-*.tmp`` file beside it). Returns ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> write_text_atomic(p, "hello").read_text()
    'hello'
    """
    path = Path(path)
    fd, tmp = mkstemp_umask(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def fsync_file(path: str | Path) -> None:
    """Flush a written file's data to disk (before a rename or a manifest vouches for it)."""
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def fsync_dir(path: str | Path) -> None:
    """Flush a folder's entries (renames, new files) to disk; a no-op on Windows, which cannot open folders."""
    if os.name == "nt":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: str | Path, doc: Mapping) -> Path:
    """Write ``doc`` as indented JSON with :func:`write_text_atomic`, then fsync the folder; returns ``path``."""
    path = Path(path)
    write_text_atomic(path, json.dumps(doc, indent=2, default=str) + "\n")
    fsync_dir(path.parent)
    return path


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """The TOML document in ``path`` (UTF-8, a byte-order mark allowed).

    ``what`` names the file in the messages (``"Job file"``, ``"Mapping file"``, ``"Configuration file"``).

    Raises
    ------
    ConfigError
        The file does not exist, cannot be read or is not UTF-8, or is not valid TOML; the message says which,
        and what to do.

    Examples
    --------
    >>> read_toml("no-such-job.toml", "Job file")
    Traceback (most recent call last):
    ...
    supplier_analytics.errors.ConfigError: Job file no-such-job.toml does not exist; check the path given.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist; check the path given.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} {path} cannot be read ({exc}); save it as UTF-8 text and try again.") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {path.name} is not valid TOML ({exc}); fix that line and try again.") from None
