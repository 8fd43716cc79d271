"""Offline script that derives ``greensboro_tmy3_ghi.csv`` from pvlib's bundled TMY3 file.

Run (needs the ``solar`` extra, ``pip install -e ".[solar]"``)::

    python -m leo_envs.data.derive_solar_data            # rewrite the shipped file
    python -m leo_envs.data.derive_solar_data --check    # compare with the shipped file

leo-envs never imports this module at run time; pvlib is imported inside ``main`` only.

Derivation: ``pvlib.iotools.read_tmy3(<pvlib>/data/723170TYA.CSV, map_variables=True)``,
column ``ghi`` (W/m^2; TMY3 "GHI", Wh/m^2 over the hour = interval-average W/m^2). TMY3 rows
are hour-ending in local standard time (UTC-5): the row stamped 01:00 is the hour
00:00-01:00. The file order runs 1 January 01:00 ... 31 December 24:00, so row ``i`` (0-based)
is the hour starting ``i`` hours after 1 January 00:00 LST: relabelling to hour-starting is
just the row position. No value is altered (the night check below is a verification, not a
correction).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("greensboro_tmy3_ghi.csv")


def derive() -> tuple[np.ndarray, str]:
    import pvlib  # offline only

    path = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
    data, meta = pvlib.iotools.read_tmy3(str(path), map_variables=True)
    if len(data) != 8760:
        raise ValueError(f"expected 8760 rows in {path.name}, got {len(data)}")
    first = data.index[0]
    if (first.month, first.day, first.hour) != (1, 1, 1):
        raise ValueError(f"expected the first TMY3 row to be 1 Jan 01:00 LST, got {first}")
    ghi = data["ghi"].to_numpy(dtype=np.float64)
    header = "\n".join(
        [
            "# Greensboro, NC typical meteorological year: hourly global horizontal irradiance.",
            "# Source: NREL TMY3 station 723170 (Greensboro Piedmont Triad Intl), file",
            f"#   pvlib/data/{path.name} bundled with pvlib {pvlib.__version__} (NREL data,",
            "#   public domain); read with pvlib.iotools.read_tmy3(path, map_variables=True),",
            "#   column 'ghi' (TMY3 'GHI', Wh/m^2 per hour = interval-average W/m^2).",
            f"# Site: lat {meta['latitude']:.3f}, lon {meta['longitude']:.3f}, "
            f"alt {meta['altitude']:.0f} m, UTC offset {meta['TZ']:+.0f} h (local standard time,",
            "#   no daylight saving).",
            "# Time convention: 'hour' h is the interval [h, h+1) hours after 1 January 00:00",
            "#   local standard time (= [h+5, h+6) hours after 1 January 00:00 UTC); the value",
            "#   is the interval average (label = interval start). TMY3 stamps rows hour-ENDING",
            "#   (row 01:00 = hour 00:00-01:00), so hour h is the TMY3 row at position h.",
            "# Months come from different years (1980-2003), as in every TMY.",
            "# Derived by leo_envs/data/derive_solar_data.py; values unchanged.",
        ]
    )
    return ghi, header


def write(ghi: np.ndarray, header: str, out: Path = OUT) -> None:
    lines = [header, "hour,ghi_w_m2"]
    lines += [f"{h},{v:g}" for h, v in enumerate(ghi)]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = parser.parse_args(argv)
    ghi, header = derive()
    if args.check:
        from leo_envs.models.solar import parse_ghi_csv

        shipped = parse_ghi_csv(OUT.read_text(encoding="utf-8"))
        same = np.array_equal(shipped, ghi)
        print("shipped file matches pvlib" if same else "shipped file DIFFERS from pvlib")
        return 0 if same else 1
    write(ghi, header)
    print(f"wrote {OUT} ({len(ghi)} hours, max {ghi.max():g} W/m^2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
