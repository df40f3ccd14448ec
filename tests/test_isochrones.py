"""Tests of the MIST isochrone grid (hotstars.isochrones; docs/conventions.md, Ages)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotstars import isochrones as iso
from hotstars.io import tables

LOG_AGE = {"min": 6.0, "max": 9.0, "step": 0.05}
FEH = {"min": -0.5, "max": 0.4, "step": 0.1}


@pytest.fixture(scope="module")
def grid() -> pd.DataFrame:
    """The default (lachesis + PARSEC BC) grid on the paper's full axes (~4 s)."""
    return iso.build_grid_lachesis(*iso.grid_axes(LOG_AGE, FEH))


# --------------------------------------------------------------------------------------------
# Axes, dm, table layout
# --------------------------------------------------------------------------------------------

def test_grid_axes_are_the_papers_grid():
    ages, fehs = iso.grid_axes(LOG_AGE, FEH)
    assert ages.size == 61 and fehs.size == 10
    np.testing.assert_array_equal(ages, np.round(np.arange(6.0, 9.0 + 0.025, 0.05), 4))
    np.testing.assert_array_equal(fehs, np.round(np.arange(-0.5, 0.4 + 0.05, 0.1), 4))
    assert 0.0 in fehs and 7.0 in ages  # exact equality, no 1e-16 residue


@pytest.mark.parametrize("spec", [{"min": 6, "max": 9, "step": 0}, {"min": 9, "max": 6, "step": 0.05},
                                  {"min": 6, "max": 9, "step": 0.07}, {"min": 6, "max": 9}])
def test_grid_axes_reject_bad_specs(spec):
    with pytest.raises(iso.IsochroneError, match="log_age"):
        iso.grid_axes(spec, FEH)


def test_central_dm_by_hand():
    m = np.array([1.0, 2.0, 4.0, 7.0])
    # (2-1)/2, (4-1)/2, (7-2)/2, (7-4)/2
    np.testing.assert_allclose(iso.central_dm(m), [0.5, 1.5, 2.5, 1.5])
    assert iso.central_dm(np.array([3.0])).tolist() == [0.0]


def test_grid_layout(grid):
    assert list(grid.columns) == list(iso.GRID_UNITS)
    assert grid.groupby(["log_age", "feh"]).ngroups == 61 * 10
    keys = grid[["log_age", "feh", "eep"]].to_numpy()
    assert not grid.duplicated(["log_age", "feh", "eep"]).any()
    np.testing.assert_array_equal(np.lexsort(keys.T[::-1]), np.arange(len(grid)))  # sorted
    assert set(grid["phase"]) <= set(iso.KEEP_PHASES) and {-1, 0, 2, 3}.issubset(set(grid["phase"]))
    assert np.isfinite(grid.drop(columns=["eep", "phase"]).to_numpy()).all()
    assert grid["initial_mass"].max() > 150  # MIST v1.2 reaches 300 Msun at the youngest ages


def test_dm_sums_to_mass_range_of_each_isochrone(grid):
    g = grid.groupby(["log_age", "feh"])
    span = g["initial_mass"].max() - g["initial_mass"].min()
    np.testing.assert_allclose(g["dm"].sum(), span, rtol=1e-10)
    assert (grid["dm"] >= 0).all()  # initial mass never decreases along EEP


def test_units_survive_the_product_format(tmp_path, grid):
    path = tmp_path / "grid.parquet"
    tables.write_table(grid.head(50), path, units=iso.GRID_UNITS)
    units = tables.read_units(path)
    assert units["log_teff"] == "dex(K)" and units["M_Ks"] == "mag"
    assert units["initial_mass"] == "solMass" and units["log_g"].startswith("dex(cm")


# --------------------------------------------------------------------------------------------
# Physics of the default grid
# --------------------------------------------------------------------------------------------

# Pecaut & Mamajek (2013, ApJS 208, 9), mean dwarf sequence, table version 2024.05.15
# (EEM_dwarf_UBVIJHK_colors_Teff.txt): SpT -> (Teff [K], Mbol [mag], M_Ks [mag]).
PM13 = {
    "B1V": (26000, -5.58, -2.126),
    "B2V": (20600, -3.83, -1.198),
    "B3V": (17000, -2.74, -0.708),
    "B5V": (15700, -2.19, -0.376),
    "B8V": (12300, -0.73, 0.254),
    "B9V": (10700, 0.08, 0.621),
}


def _main_sequence_at(grid, log_age, feh, log_teff, column):
    """``column`` of the MS (phase 0, up to the Teff maximum) of one isochrone at ``log_teff``."""
    ms = grid[(grid["log_age"] == log_age) & (grid["feh"] == feh) & (grid["phase"] == 0)]
    ms = ms.iloc[: np.argmax(ms["log_teff"].to_numpy()) + 1]
    assert ms["log_teff"].min() < log_teff < ms["log_teff"].max()
    return np.interp(log_teff, ms["log_teff"], ms[column])


@pytest.mark.parametrize("spt", ["B3V", "B5V", "B8V", "B9V"])
@pytest.mark.parametrize("log_age", [7.0, 7.2, 7.4])
def test_young_ms_mks_against_pecaut_mamajek(grid, spt, log_age):
    """10-25 Myr solar MS vs the PM13 mean dwarf sequence.

    Stars of these types are far from the turnoff at 10-25 Myr, i.e. close to the ZAMS, the
    faint envelope of the MS; PM13's mean field dwarfs are older on average (and include
    unresolved binaries), hence brighter at fixed Teff. The ZAMS -> mid-MS brightening of
    B stars is ~0.5-0.75 mag in Ks, so the isochrone must be fainter than PM13 (ΔM_Ks > 0) by
    less than 0.75 mag. (Measured: +0.3 to +0.7 mag.)
    """
    teff, _, mks = PM13[spt]
    d = _main_sequence_at(grid, log_age, 0.0, np.log10(teff), "M_Ks") - mks
    assert 0.0 < d < 0.75


def test_b1v_at_10_myr_against_pecaut_mamajek(grid):
    """A B1V star (~12 Msun) at 10 Myr is ~60 % through its MS life, like PM13's mean dwarf."""
    teff, _, mks = PM13["B1V"]
    assert abs(_main_sequence_at(grid, 7.0, 0.0, np.log10(teff), "M_Ks") - mks) < 0.3


@pytest.mark.parametrize("spt", list(PM13))
def test_bc_ks_of_hot_dwarfs_against_pecaut_mamajek(spt):
    """PARSEC/YBC BC_Ks vs PM13's Mbol − M_Ks at the PM13 Teff (log g 4.2, solar).

    Independent empirical calibration of the bolometric correction we substitute for MIST's:
    0.2 mag covers PM13's BC_V scale uncertainty for B stars (~0.1 mag) and the zero points
    (Mbol,sun 4.755 vs 4.77). Measured: 0.03-0.07 mag for B3-B9, 0.16 mag for B1.
    """
    teff, mbol, mks = PM13[spt]
    bc = iso.bolometric_correction("Ks", np.log10(teff), 4.2, 0.0)[0]
    assert abs(bc - (mbol - mks)) < 0.2


def test_metal_poor_ms_is_hotter_at_fixed_mass(grid):
    """At fixed mass the MS is hotter at lower [Fe/H]: also checks the lachesis block order."""
    teff5 = [np.interp(5.0, g["initial_mass"], g["log_teff"])
             for _, g in grid[(grid["log_age"] == 7.0) & (grid["phase"] == 0)].groupby("feh")]
    assert np.all(np.diff(teff5) < 0)


def test_eep_interpolation_at_a_mist_node_is_the_node(grid):
    raw = iso.read_lachesis([7.0, 8.5], [0.0])
    raw = raw[raw["phase"].isin(iso.KEEP_PHASES)]
    for age, node in raw.groupby("log_age"):
        ours = grid[(grid["log_age"] == age) & (grid["feh"] == 0.0)]
        np.testing.assert_array_equal(ours["eep"], node["eep"].astype(int))
        for c in ["initial_mass", "log_teff", "log_g", "log_L"]:
            np.testing.assert_array_equal(ours[c], node[c])


def test_eep_interpolation_between_nodes_is_linear_at_equal_eep(grid):
    raw = iso.read_lachesis([7.5], [-0.25, 0.0]).set_index(["feh", "eep"])
    lo, hi = raw.loc[-0.25], raw.loc[0.0]
    ours = grid[(grid["log_age"] == 7.5) & (grid["feh"] == -0.1)].set_index("eep")
    common = ours.index  # every interpolated EEP exists at both nodes
    assert common.isin(lo.index).all() and common.isin(hi.index).all()
    w = (-0.1 + 0.25) / 0.25
    for c in ["initial_mass", "log_teff", "log_L"]:
        np.testing.assert_allclose(ours[c], (1 - w) * lo.loc[common, c] + w * hi.loc[common, c],
                                   rtol=1e-12)


# --------------------------------------------------------------------------------------------
# Bolometric corrections
# --------------------------------------------------------------------------------------------

def test_bc_reproduces_parsec_mks_at_held_out_ages():
    """Leave five whole PARSEC isochrones out and predict their M_Ks = Mbol − BC_Ks."""
    table = iso.read_parsec_table()
    held = np.isin(table["LOGAGE"].round(2), [6.6, 7.08, 7.56, 8.04, 8.52])
    bc = iso.BolometricCorrections(table[~held])
    t = table[held]
    err = np.abs(t["MBOLMAG"] - bc("Ks", t["LOGTE"], t["LOGG"], t["MH"]) - t["TMASS_KSMAG"])
    assert np.median(err) < 0.005 and np.percentile(err, 95) < 0.15
    # OB stars below log L ~ 5 (Mbol > -7.7): BC a function of (Teff, g, [M/H]) alone. Brighter
    # ones carry wind-dependent YBC spectra (BC_Ks then differs by up to ~1 mag at equal Teff, g).
    hot = t["LOGTE"].between(4.0, 4.7) & (t["LOGG"] > 3.0) & (t["MBOLMAG"] > -7.7)
    assert hot.sum() > 1000 and err[hot].max() < 0.1


def test_bc_reproduces_parsec_at_a_held_out_metallicity():
    table = iso.read_parsec_table()
    held = table["MH"] == -0.2
    bc = iso.BolometricCorrections(table[~held])  # interpolates between -0.45 and 0.05
    t = table[held]
    for band, col in iso.PARSEC_BANDS.items():
        err = np.abs(t["MBOLMAG"] - bc(band, t["LOGTE"], t["LOGG"], t["MH"]) - t[col])
        assert np.median(err) < 0.005 and np.percentile(err, 95) < 0.15, band


def test_bc_outside_the_hull_is_the_nearest_table_point():
    table = iso.read_parsec_table()
    solar = table[table["MH"] == 0.05]
    lt, lg = 5.6, 7.0  # hotter and denser than any PARSEC point
    d2 = ((solar["LOGTE"] - lt) / 0.05) ** 2 + ((solar["LOGG"] - lg) / 0.5) ** 2
    nearest = solar.loc[d2.idxmin()]
    bc = iso.bolometric_correction("Ks", lt, lg, 0.05)
    assert np.isfinite(bc).all()
    np.testing.assert_allclose(bc, nearest["MBOLMAG"] - nearest["TMASS_KSMAG"], atol=1e-12)


def test_bc_metallicity_is_clamped_and_linear():
    lt, lg = np.array([4.3, 4.0, 3.7]), np.array([4.2, 4.0, 4.5])
    bc = lambda mh: iso.bolometric_correction("G", lt, lg, mh)  # noqa: E731
    np.testing.assert_array_equal(bc(0.4), bc(0.3))  # beyond the table: its last [M/H]
    np.testing.assert_array_equal(bc(-1.0), bc(-0.7))
    np.testing.assert_allclose(bc(-0.075), 0.5 * (bc(-0.2) + bc(0.05)), atol=1e-12)


def test_bc_rejects_unknown_band_and_bad_table():
    with pytest.raises(iso.IsochroneError, match="band"):
        iso.bolometric_correction("V", 4.0, 4.0, 0.0)
    with pytest.raises(iso.IsochroneError, match="TMASS_KSMAG"):
        iso.BolometricCorrections(iso.read_parsec_table().drop(columns="TMASS_KSMAG"))


# --------------------------------------------------------------------------------------------
# Official MIST .iso.cmd files (fixture written in the MIST v1.2 layout from the lachesis grid)
# --------------------------------------------------------------------------------------------

FIX_FEHS = (-0.25, 0.0)
FIX_AGES = (7.0, 7.5)
FIX_BANDS = ["Bessell_V", "2MASS_J", "2MASS_H", "2MASS_Ks", "Gaia_G_DR2Rev", "Gaia_G_EDR3"]


def _e(v: float) -> str:
    """Fortran 1pes32.16e3, e.g. '          7.0000000000000000E+000'."""
    mant, exp = f"{v:.16E}".split("E")
    return f"{mant}E{int(exp):+04d}".rjust(32)


def _write_mist(path, feh, blocks, bands=FIX_BANDS, yinit_values=None):
    """Write one MIST v1.2 UBVRIplus-like .iso.cmd file; ``blocks``: per-age DataFrames."""
    vals = yinit_values or f"# 0.2703  1.42000E-02  {feh:7.2f}     0.00     0.40"
    head = [
        "# MIST version number  = 1.2",
        "# MESA revision number =     7503",
        "# photometric system   = UBV(RI)c + 2MASS + Kepler + Hipparcos + Gaia (Vega)",
        "# " + "-" * 86,
        "#  Yinit        Zinit   [Fe/H]   [a/Fe]  v/vcrit",
        vals,
        "# " + "-" * 86,
        f"# number of isochrones = {len(blocks):4d}",
        "# " + "-" * 86,
    ]
    names = ["EEP", "log10_isochrone_age_yr", "initial_mass", "star_mass", "log_Teff", "log_g",
             "log_L", "[Fe/H]_init", "[Fe/H]", *bands, "phase"]
    out = head
    for k, b in enumerate(blocks):
        out.append(f"# number of EEPs, cols = {len(b):5d}{len(names):5d}")
        out.append("#    " + "".join(f"{i:>32d}" if i < 9 else f"{i:>20d}" for i in range(1, len(names) + 1)))
        out.append("# EEP" + "".join(f"{n:>32s}" for n in names[1:9]) + "".join(f"{n:>20s}" for n in names[9:]))
        for _, r in b.iterrows():
            mags = {"Bessell_V": r["M_G"] + 0.05, "2MASS_J": r["M_J"], "2MASS_H": r["M_H"],
                    "2MASS_Ks": r["M_Ks"], "Gaia_G_DR2Rev": r["M_G"] + 0.01, "Gaia_G_EDR3": r["M_G"]}
            out.append(f"{int(r['eep']):5d}"
                       + "".join(_e(r[c]) for c in ["log_age", "initial_mass", "initial_mass",
                                                    "log_teff", "log_g", "log_L"])
                       + _e(feh) + _e(feh)
                       + "".join(f"{mags[n]:20.6f}" for n in bands) + f"{r['phase']:20.6f}")
        if k < len(blocks) - 1:
            out += ["", ""]
    path.write_text("\n".join(out) + "\n")
    return path


@pytest.fixture(scope="module")
def mist_fixture(tmp_path_factory):
    """Two [Fe/H] x two ages x every 20th EEP of the lachesis grid, magnitudes Mbol − BC."""
    d = tmp_path_factory.mktemp("mist")
    raw = iso.read_lachesis(FIX_AGES, FIX_FEHS)
    raw = raw[raw["eep"] % 20 == 0]
    bc = iso.default_bolometric_corrections().all_bands(raw["log_teff"], raw["log_g"], raw["feh"])
    for k, col in enumerate(iso.MAG_COLUMNS):
        raw[col] = raw["Mbol"] - bc[:, k]
    paths = []
    for feh, t in raw.groupby("feh"):
        tag = f"{'p' if feh >= 0 else 'm'}{abs(feh):.2f}"
        blocks = [b for _, b in t.groupby("log_age")]
        paths.append(_write_mist(d / f"MIST_v1.2_feh_{tag}_afe_p0.0_vvcrit0.4_UBVRIplus.iso.cmd",
                                 feh, blocks))
    return paths, raw


def test_read_mist_iso_cmd(mist_fixture):
    paths, raw = mist_fixture
    t = iso.read_mist_iso_cmd(paths[0])
    src = raw[raw["feh"] == -0.25]
    assert (t["feh"] == -0.25).all() and sorted(t["log_age"].unique()) == list(FIX_AGES)
    np.testing.assert_array_equal(t["eep"], src["eep"].astype(int))
    np.testing.assert_allclose(t["initial_mass"], src["initial_mass"], rtol=1e-15)
    np.testing.assert_allclose(t["M_Ks"], src["M_Ks"], atol=5e-7)
    np.testing.assert_allclose(t["M_G"], src["M_G"], atol=5e-7)  # Gaia_G_EDR3, not DR2Rev


def test_mist_files_and_lachesis_agree(mist_fixture):
    paths, _ = mist_fixture
    fehs = [-0.25, -0.2, -0.1, 0.0]
    a = iso.build_grid_mist(paths, FIX_AGES, fehs)
    b = iso.build_grid_lachesis(FIX_AGES, fehs)
    m = a.merge(b, on=["log_age", "feh", "eep"], suffixes=("", "_l"))
    assert len(m) == len(a) > 100
    np.testing.assert_array_equal(m["phase"], m["phase_l"])
    for c in ["initial_mass", "log_teff", "log_g", "log_L"]:
        np.testing.assert_allclose(m[c], m[c + "_l"], rtol=1e-12)
    node = m["feh"].isin(FIX_FEHS)
    for c in iso.MAG_COLUMNS:  # nodes: identical up to the files' 6 decimals
        np.testing.assert_allclose(m.loc[node, c], m.loc[node, c + "_l"], atol=1e-6)
        # between nodes: linear in M_X vs BC recomputed at the interpolated (Teff, g, [M/H])
        assert np.median(np.abs(m.loc[~node, c] - m.loc[~node, c + "_l"])) < 0.01
    g = a.groupby(["log_age", "feh"])
    np.testing.assert_allclose(g["dm"].sum(), g["initial_mass"].max() - g["initial_mass"].min())


def test_mist_gaia_g_falls_back_to_dr2rev(tmp_path, mist_fixture):
    _, raw = mist_fixture
    bands = [b for b in FIX_BANDS if b != "Gaia_G_EDR3"]
    p = _write_mist(tmp_path / "a.iso.cmd", 0.0, [raw[(raw["feh"] == 0.0) & (raw["log_age"] == 7.0)]],
                    bands=bands)
    t = iso.read_mist_iso_cmd(p)
    src = raw[(raw["feh"] == 0.0) & (raw["log_age"] == 7.0)]
    np.testing.assert_allclose(t["M_G"], src["M_G"] + 0.01, atol=5e-7)


def _one_block(raw):
    return [raw[(raw["feh"] == 0.0) & (raw["log_age"] == 7.0)]]


def test_mist_broken_header_names_file_and_line(tmp_path, mist_fixture):
    p = _write_mist(tmp_path / "bad.iso.cmd", 0.0, _one_block(mist_fixture[1]),
                    yinit_values="# 0.2703  1.42000E-02  zero     0.00     0.40")
    with pytest.raises(iso.IsochroneError, match=r"bad\.iso\.cmd, line 6.*\[Fe/H\]"):
        iso.read_mist_iso_cmd(p)
    p.write_text("\n".join(l for l in p.read_text().splitlines() if "Yinit" not in l))
    with pytest.raises(iso.IsochroneError, match=r"bad\.iso\.cmd.*Yinit"):
        iso.read_mist_iso_cmd(p)


def test_mist_missing_column(tmp_path, mist_fixture):
    p = _write_mist(tmp_path / "noks.iso.cmd", 0.0, _one_block(mist_fixture[1]),
                    bands=["2MASS_J", "2MASS_H", "Gaia_G_EDR3"])
    with pytest.raises(iso.IsochroneError, match=r"noks\.iso\.cmd.*2MASS_Ks"):
        iso.read_mist_iso_cmd(p)


def test_mist_truncated_block(tmp_path, mist_fixture):
    p = _write_mist(tmp_path / "short.iso.cmd", 0.0, _one_block(mist_fixture[1]))
    p.write_text("\n".join(p.read_text().splitlines()[:-3]) + "\n")
    with pytest.raises(iso.IsochroneError, match=r"short\.iso\.cmd, line \d+: expected \d+ data rows"):
        iso.read_mist_iso_cmd(p)


def test_mist_requests_outside_the_files(mist_fixture):
    paths, _ = mist_fixture
    with pytest.raises(iso.IsochroneError, match=r"\+0\.10 is not bracketed"):
        iso.build_grid_mist(paths, FIX_AGES, [0.0, 0.1])
    with pytest.raises(iso.IsochroneError, match=r"log_age \[8\.0\]"):
        iso.build_grid_mist(paths, [7.0, 8.0], [0.0])
    with pytest.raises(iso.IsochroneError, match="also in"):
        iso.build_grid_mist([paths[0], paths[0]], FIX_AGES, [-0.25])


def test_lachesis_requests_outside_the_grid():
    with pytest.raises(iso.IsochroneError, match="not bracketed"):
        iso.build_grid_lachesis([7.0], [0.6])
    with pytest.raises(iso.IsochroneError, match="log_age 10.5"):
        iso.build_grid_lachesis([10.5], [0.0])
