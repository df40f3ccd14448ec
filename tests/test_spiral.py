"""Tests of the Reid et al. (2019) spiral arms in our frame and of the OB-association table."""

import numpy as np
import pandas as pd
import pytest

from hotstars import associations, spiral
from hotstars.frame import galactocentric_frame
from hotstars.io import reference

R0 = 8.2

# Maser parallaxes of high-mass star-forming regions (l, b in deg; parallax in mas) and the arm
# Reid et al. (2014, 2019) assign them to.
MASERS = {
    # Xu et al. 2006, Science 311, 54: W3(OH), 0.512 ± 0.010 mas (1.95 kpc)
    "W3(OH)": (133.95, 1.06, 0.512, "Perseus"),
    # Sato et al. 2010, ApJ 720, 1055: W51 Main/South, 0.185 ± 0.010 mas (5.41 kpc)
    "W51 Main": (49.49, -0.37, 0.185, "Sgr-Car"),
    # Moscadelli et al. 2009, ApJ 693, 406: Cep A, 1.43 ± 0.08 mas (0.70 kpc)
    "Cep A": (109.87, 2.11, 1.43, "Local"),
    # Sato et al. 2010, PASJ 62, 287: G14.33-0.64, 0.893 ± 0.101 mas (1.12 kpc)
    "G14.33-0.64": (14.33, -0.64, 0.893, "Sgr-Car"),
}


def _plane_xy(l_deg, b_deg, d_kpc, r0=R0):
    """Heliocentric (l, b, d) to our (X, Y), in the plane: X = -R0 + d cos b cos l (z_sun's
    ~0.2 deg tilt neglected: < 10 pc at these distances)."""
    l, b = np.radians(l_deg), np.radians(b_deg)
    return -r0 + d_kpc * np.cos(b) * np.cos(l), d_kpc * np.cos(b) * np.sin(l)


@pytest.mark.parametrize("name", list(MASERS))
def test_arms_pass_through_their_masers(name):
    l, b, plx, arm = MASERS[name]
    x, y = _plane_xy(l, b, 1.0 / plx)
    curves = spiral.arm_curves(r0_kpc=R0)
    dist = {k: float(spiral.distance_to_curve(x, y, c)[0]) for k, c in curves.items()}
    assert dist[arm] < 0.3  # kpc; Reid's arm widths are 0.2-0.4 kpc here
    assert min(dist, key=dist.get) == arm


def test_arm_shape_follows_the_log_spiral_with_its_kink():
    """In Reid's own frame (r0 = 8.15) the curves are centred on the GC: R(beta_kink) = R_kink and
    the pitch, -dlnR/dbeta = tan psi, switches at the kink, measured from the returned X, Y."""
    table = spiral.load_arm_table()
    curves = spiral.arm_curves(table, r0_kpc=spiral.REID_R0_KPC, step_deg=0.1)
    for row in table.itertuples():
        x, y = curves[row.arm]
        r, beta = np.hypot(x, y), np.unwrap(np.arctan2(y, -x))
        assert np.degrees(beta[[0, -1]]) == pytest.approx([row.beta_min_deg, row.beta_max_deg])
        k = np.argmin(np.abs(np.degrees(beta) - row.beta_kink_deg))
        assert r[k] == pytest.approx(row.R_kink_kpc, rel=1e-9)
        slope = -np.diff(np.log(r)) / np.diff(beta)
        mid = np.degrees(0.5 * (beta[1:] + beta[:-1]))
        before, after = mid < row.beta_kink_deg, mid > row.beta_kink_deg
        np.testing.assert_allclose(slope[before], np.tan(np.radians(row.pitch_before_deg)),
                                   rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(slope[after], np.tan(np.radians(row.pitch_after_deg)),
                                   rtol=1e-6, atol=1e-12)


def test_r0_change_keeps_heliocentric_positions():
    reid = spiral.arm_curves(r0_kpc=spiral.REID_R0_KPC)
    ours = spiral.arm_curves(r0_kpc=R0)
    for arm in reid:
        d_reid = np.hypot(reid[arm][0] + spiral.REID_R0_KPC, reid[arm][1])
        d_ours = np.hypot(ours[arm][0] + R0, ours[arm][1])
        np.testing.assert_allclose(d_ours, d_reid, atol=1e-12)


def test_rotation_direction_is_plus_y():
    """beta grows with Galactic rotation, toward l = 90 deg: +Y in our frame. The Perseus arm at
    beta > 0 (ahead of the Sun) must lie at Y > 0."""
    table = spiral.load_arm_table().set_index("arm")
    x, y = spiral.arm_curves(arms=["Perseus"])["Perseus"]
    beta = np.linspace(table.loc["Perseus", "beta_min_deg"], table.loc["Perseus", "beta_max_deg"],
                       x.size)
    assert np.all(np.sign(y[np.abs(beta) > 1]) == np.sign(beta[np.abs(beta) > 1]))


def test_bad_arm_table_names_file_and_column(tmp_path):
    table = spiral.load_arm_table()
    assert list(table["arm"]) == ["3-kpc", "Norma", "Sct-Cen", "Sgr-Car", "Local", "Perseus",
                                  "Outer"]
    path = tmp_path / "arms.csv"
    table.drop(columns="R_kink_kpc").to_csv(path, index=False)
    with pytest.raises(reference.SpiralTableError, match=r"arms\.csv.*R_kink_kpc"):
        spiral.load_arm_table(path)
    bad = table.copy()
    bad.loc[0, "beta_max_deg"] = bad.loc[0, "beta_min_deg"] - 1
    bad.to_csv(path, index=False)
    with pytest.raises(reference.SpiralTableError, match="3-kpc"):
        spiral.load_arm_table(path)


# --- OB associations ------------------------------------------------------------------------

def test_association_positions_match_their_heliocentric_coordinates():
    df = associations.association_xy(galactocentric_frame(r_sun_kpc=R0))
    x, y = _plane_xy(df["l_deg"], df["b_deg"], df["distance_kpc"])
    np.testing.assert_allclose(df["x"], x, atol=0.02)
    np.testing.assert_allclose(df["y"], y, atol=0.02)
    assert np.all(np.abs(df["z"]) < 0.15)  # young complexes lie in the thin disc
    assert set(df["group"]) == {"Cygnus", "W3/W4/W5", "Carina", "M17/M20"}
    assert df["reference"].str.len().min() > 10  # every row cites its source


def test_associations_sit_on_the_expected_arms():
    """Independent sanity check of the table (and of the arms), Reid et al. 2019: W3/W4/W5
    are Perseus-arm complexes, Cygnus is in the Local arm, M17/M20 in the Sagittarius-Carina arm
    (its fitted segment, beta = 2-97 deg, stops short of Carina at beta ~ -16 deg)."""
    df = associations.association_xy()
    curves = spiral.arm_curves()
    expect = {"W3/W4/W5": "Perseus", "M17/M20": "Sgr-Car", "Cygnus": "Local"}
    for group, arm in expect.items():
        rows = df[df["group"] == group]
        d = spiral.distance_to_curve(rows["x"], rows["y"], curves[arm])
        assert np.all(d < 0.5), (group, d)


def test_association_xy_rejects_a_table_without_distances():
    with pytest.raises(ValueError, match="distance_kpc"):
        associations.association_xy(table=pd.DataFrame({"l_deg": [1.0], "b_deg": [0.0]}))
