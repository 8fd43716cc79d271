"""Tests for leo_envs.models.tle (TLE parsing and validation)."""

from __future__ import annotations

import math
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from sgp4.api import SatrecArray

import leo_envs
from leo_envs.models.frames import propagate_teme_km
from leo_envs.models.shells import R_EARTH_WGS72_KM
from leo_envs.models.tle import Constellation, load_tle, tle_checksum

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
EXCERPT = DATA_DIR / "starlink_excerpt.tle"
SHARED_TLE = Path(leo_envs.__file__).parent / "data" / "starlink-2020-05-07.tle"  # shipped
EPOCH = datetime(2020, 5, 7, 0, 0, 0)

L0 = "STARLINK-31"
L1 = "1 44235U 19029A   20128.16667824  .00034978  00000-0  20154-2 0  9997"
L2 = "2 44235  53.0035  38.0572 0001730  67.2101 205.9720 15.12101915 53963"
# A second, valid satellite (STARLINK-22) for multi-satellite malformed cases.
M0 = "STARLINK-22"
M1 = "1 44236U 19029B   20128.16667824  .00039927  00000-0  52883-3 0  9992"
M2 = "2 44236  53.0048   9.4111 0011887  79.6963   5.9282 15.57838918 54361"


def _with_checksum(line: str) -> str:
    """Return ``line`` (68 or 69 chars) with a correct checksum in column 69."""
    body = line[:68]
    return body + str(tle_checksum(body))


def _excerpt_lines() -> list[str]:
    return EXCERPT.read_text().splitlines()


# --------------------------------------------------------------------------- TLE loading


def test_load_excerpt_three_line_format() -> None:
    c = load_tle(EXCERPT)
    assert isinstance(c, Constellation)
    assert len(c) == 5
    assert c.names[:2] == ("STARLINK-31", "STARLINK-22")
    assert [s.satnum for s in c.satrecs] == [44235, 44236, 44237, 44238, 44239]
    for sat in c.satrecs:
        assert math.degrees(sat.inclo) == pytest.approx(53.0, abs=0.01)
    assert isinstance(c.satrec_array, SatrecArray)
    assert c.satrec_array is c.satrec_array  # cached


def test_load_str_path_pathlike_and_text_agree() -> None:
    text = EXCERPT.read_text()
    for src in (EXCERPT, str(EXCERPT), text):
        c = load_tle(src)
        assert len(c) == 5
        assert c.satrecs[3].jdsatepoch + c.satrecs[3].jdsatepochF == pytest.approx(
            2458975.5 + 0.47654236, abs=1e-9
        )


def test_load_two_line_format_crlf_and_blank_lines() -> None:
    lines = [ln for ln in _excerpt_lines() if ln.startswith(("1 ", "2 "))]
    text = "\r\n\r\n".join(lines[:2]) + "\r\n\r\n\r\n" + "\r\n".join(lines[2:]) + "\r\n"
    c = load_tle(text)
    assert len(c) == 5
    assert c.names[0] == "44235"  # named by catalogue number


def test_load_celestrak_zero_prefixed_names() -> None:
    c = load_tle(f"0 {L0}\n{L1}\n{L2}\n")
    assert c.names == (L0,)


def test_checksum_matches_column_69_for_real_lines() -> None:
    for ln in _excerpt_lines():
        if ln.startswith(("1 ", "2 ")):
            assert tle_checksum(ln) == int(ln[68])


def test_load_full_shared_starlink_file() -> None:
    c = load_tle(SHARED_TLE)
    assert len(c) == 421
    # The file also carries a few launch-debris objects ("FALCON 9 DEB").
    assert sum(name.startswith("STARLINK") for name in c.names) > 400
    assert all(name.startswith(("STARLINK", "FALCON 9")) for name in c.names)
    r, _, err = propagate_teme_km(c, np.array(["2020-05-07T12:00"], dtype="datetime64[ns]"))
    ok = err[:, 0] == 0
    assert ok.mean() > 0.95
    alt = np.linalg.norm(r[ok, 0], axis=-1) - R_EARTH_WGS72_KM
    assert np.all((alt > 150) & (alt < 700))


def _write(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "bad.tle"
    p.write_text("\n".join(lines) + "\n")
    return p


@pytest.mark.parametrize(
    ("lines", "bad_line", "fragment"),
    [
        # bad checksum on line 2 of the first satellite (file line 3)
        ([L0, L1, L2[:68] + str((int(L2[68]) + 1) % 10)], 3, "checksum mismatch"),
        # truncated line 1
        ([L0, L1[:60], L2], 2, "bad length"),
        # lines 1 and 2 swapped
        ([L0, L2, L1], 2, "expected TLE line 1"),
        # 2-line format starting with line 2
        ([L2, L1], 1, "found TLE line 2"),
        # missing line 2 at end of input: the error points at line 1 (file line 5)
        ([L0, L1, L2, M0, M1], 5, "missing TLE line 2"),
        # missing line 2 mid-file: the next satellite's name line arrives instead
        ([L0, L1, M0, M1, M2], 3, "missing TLE line 2"),
        # catalogue numbers of line 1 and 2 differ (checksum kept valid)
        ([L0, L1, _with_checksum(L2[:2] + "44299" + L2[7:])], 3, "catalogue number mismatch"),
        # unparsable inclination field (checksum kept valid)
        ([L0, L1, _with_checksum(L2[:8] + "  xx.abc" + L2[16:])], 3, "unparsable inclination"),
        # unparsable epoch (checksum kept valid)
        ([L0, _with_checksum(L1[:20] + "128.1666782X" + L1[32:]), L2], 2, "unparsable epoch"),
        # name line not followed by anything
        ([L0, L1, L2, M0], 4, "not followed by TLE line 1"),
    ],
)
def test_malformed_tle_raises_with_file_and_line_number(
    tmp_path: Path, lines: list[str], bad_line: int, fragment: str
) -> None:
    path = _write(tmp_path, lines)
    with pytest.raises(ValueError, match=re.escape(fragment)) as info:
        load_tle(path)
    msg = str(info.value)
    assert str(path) in msg
    assert f"line {bad_line}:" in msg


def test_malformed_tle_line_numbers_count_blank_lines() -> None:
    text = f"\n\n{L0}\n\n{L1}\n{L2[:50]}\n"
    with pytest.raises(ValueError, match=r"<text>: line 6: .*bad length") as info:
        load_tle(text)
    assert "expected 69" in str(info.value)


def test_empty_tle_input_raises() -> None:
    with pytest.raises(ValueError, match="no TLEs found"):
        load_tle("\n\n  \n")


# --------------------------------------------------------------------------- bad characters


def _old_checksum(line: str) -> str:
    """The checksum a parser trusting ``str.isdigit`` computes (what an attacker matches)."""
    total = sum(int(c) if c.isdecimal() else (1 if c == "-" else 0) for c in line[:68])
    return str(total % 10)


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\u00b2", "SUPERSCRIPT TWO"),
        ("\u0663", "ARABIC-INDIC DIGIT THREE"),
        ("\uff13", "FULLWIDTH DIGIT THREE"),
    ],
)
@pytest.mark.parametrize(("which", "column"), [(1, 25), (2, 60)])
def test_non_ascii_digits_are_rejected_with_file_and_line(
    tmp_path: Path, char: str, name: str, which: int, column: int
) -> None:
    # column 25 is in the epoch day of line 1, column 60 in the mean motion of line 2
    lines = [L0, L1, L2]
    bad = lines[which]
    bad = bad[: column - 1] + char + bad[column:68]
    lines[which] = bad + _old_checksum(bad)
    path = _write(tmp_path, lines)
    with pytest.raises(ValueError, match="non-ASCII") as info:
        load_tle(path)
    msg = str(info.value)
    assert f"{path}: line {which + 1}:" in msg
    assert name in msg and f"column {column}" in msg
    # the same from text
    with pytest.raises(ValueError, match=rf"<text>: line {which + 1}: .*non-ASCII"):
        load_tle("\n".join(lines) + "\n")


def test_ascii_checks_do_not_accept_unicode_digits() -> None:
    assert tle_checksum("1 \u0663\u0663") == 1  # only '1' counts
    # a name line may carry any characters
    c = load_tle(f"STARLINK-\u0394\n{L1}\n{L2}\n")
    assert c.names == ("STARLINK-\u0394",)


def test_empty_and_over_long_paths_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="path_or_text is empty"):
        load_tle("")
    with pytest.raises(ValueError, match="path_or_text is empty"):
        load_tle("   ")
    with pytest.raises(ValueError, match="not a usable path"):
        load_tle("x" * 5000)
    with pytest.raises(ValueError, match="not a usable path"):
        load_tle(str(tmp_path / ("y" * 300)))
    # a single data line without its partner is read as a path: the message says why
    with pytest.raises(FileNotFoundError, match="newlines"):
        load_tle(L1)
    binary = tmp_path / "binary.tle"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(ValueError, match="UTF-8"):
        load_tle(binary)
