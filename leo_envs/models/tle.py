"""Two-line element sets: strict parsing and validation into a :class:`Constellation`.

:func:`load_tle` reads 2-line or 3-line ("name + 2 lines") NORAD TLE text and checks every
data line (prefix, length, modulo-10 checksum, numeric fields, catalogue numbers) before
handing it to ``Satrec.twoline2rv`` (WGS72 constants; Hoots & Roehrich 1980, Spacetrack
Report #3; Vallado, Crawford, Hujsak & Kelso 2006, AIAA 2006-6753).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from sgp4.api import WGS72, WGS72OLD, WGS84, Satrec, SatrecArray

__all__ = ["Constellation", "load_tle", "tle_checksum"]

_TLE_LINE_LEN = 69
# The SGP4 inputs of a record: equal values give equal propagation.
_ELEMENT_FIELDS = (
    "satnum",
    "jdsatepoch",
    "jdsatepochF",
    "bstar",
    "ndot",
    "nddot",
    "ecco",
    "argpo",
    "inclo",
    "mo",
    "no_kozai",
    "nodeo",
)


@dataclass(frozen=True, eq=False)
class Constellation:
    """An immutable, ordered set of SGP4 satellite records with names.

    Attributes:
        names: one display name per satellite (for 2-line TLEs the catalogue number).
        satrecs: the ``sgp4.api.Satrec`` records, in the same order as ``names``.

    The order is the satellite axis (axis 0) of every array returned by
    :func:`propagate_teme_km`.  Equality is identity (``Satrec`` has no value
    equality), so instances are hashable by identity.
    """

    names: tuple[str, ...]
    satrecs: tuple[Satrec, ...]

    def __post_init__(self) -> None:
        # Coerce lists to tuples so the container is really immutable.
        object.__setattr__(self, "names", tuple(str(n) for n in self.names))
        object.__setattr__(self, "satrecs", tuple(self.satrecs))
        if len(self.names) != len(self.satrecs):
            raise ValueError(
                f"names and satrecs must have equal length, got {len(self.names)} names "
                f"and {len(self.satrecs)} satrecs"
            )
        for i, sat in enumerate(self.satrecs):
            if not isinstance(sat, Satrec):
                raise TypeError(f"satrecs[{i}] is {type(sat).__name__}, expected sgp4 Satrec")

    def __len__(self) -> int:
        return len(self.satrecs)

    def __reduce__(self):
        # ``Satrec`` does not pickle; its SGP4 inputs rebuild it bit-identically (sgp4init
        # with the same float epoch twoline2rv uses, then the exact two-part epoch).
        return (_rebuild, (self.names, [_satrec_state(sat) for sat in self.satrecs]))

    @cached_property
    def satrec_array(self) -> SatrecArray:
        """``sgp4.api.SatrecArray`` over all satellites (built once, then cached)."""
        return SatrecArray(list(self.satrecs))

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 hex digest of the names and every record's SGP4 mean elements and epoch.

        Two constellations with equal elements hash equal (``Satrec`` itself has no value
        equality); used as a cache key by :class:`leo_envs.models.visibility.VisibilityIndex`.
        """
        digest = hashlib.sha256()
        digest.update("\x00".join(self.names).encode("utf-8"))
        elements = np.array(
            [[getattr(sat, name) for name in _ELEMENT_FIELDS] for sat in self.satrecs],
            dtype=np.float64,
        )
        digest.update(elements.tobytes())
        return digest.hexdigest()


_GRAVITY_MODELS = {
    (6378.135, 398600.79964): WGS72OLD,
    (6378.135, 398600.8): WGS72,
    (6378.137, 398600.5): WGS84,
}


def _satrec_state(sat: Satrec) -> tuple:
    model = _GRAVITY_MODELS.get((sat.radiusearthkm, sat.mu))
    if model is None:
        raise TypeError(f"cannot pickle a Satrec with unknown gravity model (mu={sat.mu})")
    return (model, sat.operationmode, *(getattr(sat, name) for name in _ELEMENT_FIELDS))


def _rebuild(names: tuple[str, ...], states: list[tuple]) -> Constellation:
    satrecs = []
    for model, opsmode, satnum, jd, jd_frac, *elements in states:
        sat = Satrec()
        sat.sgp4init(model, opsmode, satnum, (jd - 2433281.5) + jd_frac, *elements)
        sat.jdsatepoch, sat.jdsatepochF = jd, jd_frac
        satrecs.append(sat)
    return Constellation(names, tuple(satrecs))


# --------------------------------------------------------------------------- TLE loading

# re.ASCII: ``\d`` must not match superscript, Arabic-Indic or fullwidth digits
_FLOAT_RE = re.compile(r"^\s*[+-]?(?:\d+\.?\d*|\.\d+)\s*$", re.ASCII)
# TLE "implied decimal point, implied exponent" fields, e.g. " 20154-2", "-98858-3".
_EXP_RE = re.compile(r"^\s*[+-]?\d{1,5}[ +-]\d\s*$", re.ASCII)
_SATNUM_RE = re.compile(r"^\s*(?:\d{1,5}|[A-HJ-NP-Z]\d{4})$", re.ASCII)  # or Alpha-5
_DIGITS_RE = re.compile(r"^\s*\d+\s*$", re.ASCII)
_ASCII_DIGITS = frozenset("0123456789")
#: Longest path accepted (Linux PATH_MAX; 255 bytes per name): longer strings are an error.
_PATH_MAX, _NAME_MAX = 4096, 255

# (name, 1-based first column, 1-based last column, kind)
_LINE1_FIELDS = (
    ("epoch year", 19, 20, "int"),
    ("epoch day of year", 21, 32, "float"),
    ("first derivative of mean motion", 34, 43, "float"),
    ("second derivative of mean motion", 45, 52, "exp"),
    ("BSTAR drag term", 54, 61, "exp"),
)
_LINE2_FIELDS = (
    ("inclination", 9, 16, "float"),
    ("right ascension of the ascending node", 18, 25, "float"),
    ("eccentricity", 27, 33, "digits"),
    ("argument of perigee", 35, 42, "float"),
    ("mean anomaly", 44, 51, "float"),
    ("mean motion", 53, 63, "float"),
)
_FIELD_RANGES = {
    "epoch day of year": (1.0, 367.0),
    "inclination": (0.0, 180.0),
    "right ascension of the ascending node": (0.0, 360.0),
    "argument of perigee": (0.0, 360.0),
    "mean anomaly": (0.0, 360.0),
}


def tle_checksum(line: str) -> int:
    """Modulo-10 TLE checksum of the first 68 columns of ``line``.

    Digits count their value, each minus sign counts 1, everything else 0
    (NORAD two-line element set format).
    """
    total = 0
    for ch in line[:68]:
        if ch in _ASCII_DIGITS:
            total += int(ch)
        elif ch == "-":
            total += 1
    return total % 10


def _err(source: str, lineno: int, msg: str) -> ValueError:
    return ValueError(f"{source}: line {lineno}: {msg}")


def _check_data_line(line: str, which: int, source: str, lineno: int) -> str:
    """Validate prefix, length, checksum and fields of a TLE data line; return it."""
    line = line.rstrip()
    if not line.isascii():
        col, ch = next((i + 1, c) for i, c in enumerate(line) if not c.isascii())
        name = unicodedata.name(ch, f"U+{ord(ch):04X}")
        raise _err(
            source,
            lineno,
            f"TLE line {which} has a non-ASCII character {ch!r} ({name}) in column {col}; "
            "TLE data lines are ASCII only (digits 0-9)",
        )
    prefix = f"{which} "
    if not line.startswith(prefix):
        raise _err(source, lineno, f"TLE line {which} must start with {prefix!r}, got {line[:2]!r}")
    if len(line) != _TLE_LINE_LEN:
        raise _err(
            source,
            lineno,
            f"TLE line {which} has bad length {len(line)} (expected {_TLE_LINE_LEN} characters"
            " excluding trailing whitespace; truncated or corrupted line?)",
        )
    check_char = line[68]
    if check_char not in _ASCII_DIGITS:
        raise _err(source, lineno, f"checksum character {check_char!r} in column 69 is not a digit")
    expected = tle_checksum(line)
    if int(check_char) != expected:
        raise _err(
            source,
            lineno,
            f"checksum mismatch on TLE line {which}: column 69 says {check_char}, "
            f"computed mod-10 checksum is {expected}",
        )
    satnum = line[2:7]
    if not _SATNUM_RE.match(satnum):
        raise _err(source, lineno, f"unparsable catalogue number {satnum!r} in columns 3-7")
    fields = _LINE1_FIELDS if which == 1 else _LINE2_FIELDS
    for name, c0, c1, kind in fields:
        text = line[c0 - 1 : c1]
        ok = {
            "int": lambda t: bool(_DIGITS_RE.match(t)),
            "float": lambda t: bool(_FLOAT_RE.match(t)),
            "exp": lambda t: bool(_EXP_RE.match(t)),
            "digits": lambda t: bool(_DIGITS_RE.match(t)),
        }[kind](text)
        if not ok:
            raise _err(source, lineno, f"unparsable {name} {text!r} in columns {c0}-{c1}")
        if name in _FIELD_RANGES:
            lo, hi = _FIELD_RANGES[name]
            value = float(text)
            if not lo <= value <= hi:
                raise _err(
                    source, lineno, f"{name} {value} in columns {c0}-{c1} outside [{lo}, {hi}]"
                )
        if name == "mean motion" and float(text) <= 0.0:
            raise _err(source, lineno, f"mean motion {text.strip()} rev/day must be positive")
    return line


def _read_tle_source(path_or_text: str | os.PathLike[str]) -> tuple[str, str]:
    """Return ``(source_label, text)``.  A ``str`` containing a newline is TLE text."""
    if isinstance(path_or_text, os.PathLike):
        path = Path(path_or_text)
    elif isinstance(path_or_text, str):
        if "\n" in path_or_text or "\r" in path_or_text:
            return "<text>", path_or_text
        if not path_or_text.strip():
            raise ValueError(
                "path_or_text is empty: pass a TLE file path or TLE text (lines separated by "
                "newlines)"
            )
        path = Path(path_or_text)
    else:
        raise TypeError(
            f"path_or_text must be a str or os.PathLike, got {type(path_or_text).__name__}"
        )
    text = str(path)
    longest = max((len(part.encode()) for part in path.parts), default=0)
    if len(text.encode()) > _PATH_MAX or longest > _NAME_MAX:
        raise ValueError(
            f"path_or_text is not a usable path ({len(text)} characters; at most {_PATH_MAX} "
            f"in all and {_NAME_MAX} per name) and has no newline, so it is not TLE text "
            "either; a single TLE line needs its partner line after a newline"
        )
    try:
        return text, path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"TLE file {text!r} not found (a str without newlines is read as a path; pass "
            "TLE text with its lines separated by newlines)"
        ) from None
    except UnicodeDecodeError as exc:
        reason = f"{exc.reason} at byte {exc.start}"
        raise ValueError(f"{text}: not UTF-8/ASCII text ({reason})") from None


def load_tle(path_or_text: str | os.PathLike[str]) -> Constellation:
    """Load two-line element sets (2-line or 3-line "name + 2 lines" format).

    Args:
        path_or_text: a path (``str`` without newlines or ``os.PathLike``) to a TLE
            file, or the TLE text itself (any ``str`` containing a newline).

    Blank lines are ignored, trailing whitespace (including ``\\r`` of CRLF files)
    is stripped, and a Celestrak-style ``"0 "`` prefix on name lines is removed.
    Satellites without a name line are named by their catalogue number.

    Each data line is checked for: the ``"1 "``/``"2 "`` prefix, length 69, the
    modulo-10 checksum in column 69, parsable numeric fields (epoch, drag terms,
    angles, eccentricity, mean motion), and that lines 1 and 2 carry the same
    catalogue number; then parsed with ``Satrec.twoline2rv`` (WGS72 constants,
    Spacetrack Report #3 / Vallado et al. 2006 SGP4).

    Returns:
        :class:`Constellation` in file order.

    Raises:
        ValueError: malformed input; the message is ``"<file>: line <n>: <what>"``
            (including non-ASCII characters such as superscript, Arabic-Indic or fullwidth
            digits in a data line, which Python's ``int``/``float`` would accept); an
            empty string; a path longer than the OS allows.
        FileNotFoundError: the path does not exist.
    """
    source, text = _read_tle_source(path_or_text)
    lines = [(i + 1, raw.rstrip()) for i, raw in enumerate(text.splitlines())]
    lines = [(n, s) for n, s in lines if s.strip()]

    names: list[str] = []
    satrecs: list[Satrec] = []
    i = 0
    while i < len(lines):
        lineno, line = lines[i]
        name: str | None = None
        name_lineno: int | None = None
        if line.startswith("2 "):
            raise _err(
                source,
                lineno,
                "found TLE line 2 where a name line or TLE line 1 was expected "
                "(lines out of order or line 1 missing)",
            )
        if not line.startswith("1 "):
            name = line.strip()
            if name.startswith("0 "):
                name = name[2:].strip()
            name_lineno = lineno
            i += 1
            if i >= len(lines):
                raise _err(source, lineno, f"name line {name!r} is not followed by TLE line 1")
            lineno, line = lines[i]
            if not line.startswith("1 "):
                what = "TLE line 2 (lines out of order?)" if line.startswith("2 ") else repr(line)
                raise _err(
                    source,
                    lineno,
                    f"expected TLE line 1 (starting '1 ') after name line {name!r} "
                    f"(line {name_lineno}), found {what}",
                )
        l1_no = lineno
        l1 = _check_data_line(line, 1, source, lineno)
        label = name if name is not None else l1[2:7].strip()
        i += 1
        if i >= len(lines):
            raise _err(
                source,
                l1_no,
                f"missing TLE line 2 for {label!r}: line 1 at line {l1_no} is the last line",
            )
        lineno, line = lines[i]
        if not line.startswith("2 "):
            raise _err(
                source,
                lineno,
                f"missing TLE line 2 for {label!r} (line 1 at line {l1_no}): "
                f"expected a line starting '2 ', found {line[:30]!r}",
            )
        l2 = _check_data_line(line, 2, source, lineno)
        if l1[2:7] != l2[2:7]:
            raise _err(
                source,
                lineno,
                f"catalogue number mismatch: line 1 (line {l1_no}) has {l1[2:7]!r}, "
                f"line 2 has {l2[2:7]!r}",
            )
        sat = Satrec.twoline2rv(l1, l2, WGS72)
        if sat.error != 0:
            raise _err(
                source,
                l1_no,
                f"sgp4 could not initialise {label!r} from lines {l1_no}-{lineno} "
                f"(sgp4 error code {sat.error})",
            )
        names.append(label)
        satrecs.append(sat)
        i += 1

    if not satrecs:
        raise ValueError(f"{source}: no TLEs found")
    return Constellation(tuple(names), tuple(satrecs))
