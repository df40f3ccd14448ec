"""Tests of the shared figure style, the Galactic-plane furniture and Figs. 1, 2, 4."""

import logging
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from PIL import Image

from hotstars.io import tables
from hotstars.plots import sample, style
from hotstars.workflow import figures, logs

matplotlib.use("Agg")

TEFF_LINES = [31000.0, 17000.0, 10400.0, 7400.0, 6050.0]  # Zari et al. 2025, Fig. 4


@pytest.fixture
def flags():
    """Synthetic target flags: hot stars, A/F contaminants, a few NaN Teff/log g."""
    rng = np.random.default_rng(7)
    n = 3000
    logt = np.concatenate([rng.uniform(4.0, 4.6, n // 2), rng.uniform(3.75, 4.0, n - n // 2)])
    teff = 10 ** logt
    logg = rng.uniform(2.5, 4.5, n)
    teff[:20] = np.nan
    logg[20:30] = np.nan
    quality = rng.random(n) < 0.7
    quality[:30] = True  # the NaN rows pass the quality cuts: they must be dropped and counted
    in_hss = quality & (teff > 10000)
    return pd.DataFrame({"teff": teff, "logg": logg, "passes_quality": quality, "in_hss": in_hss})


@pytest.fixture
def cutflow():
    return pd.DataFrame({
        "step": ["observed", "matched", "snr", "parallax", "ruwe", "teff", "distance"],
        "criterion": ["mwm_ob spectra with MJD <= 60708", "BOSS Net result + Gaia DR3 source",
                      "SN_MEDIAN_ALL > 20", "parallax_error/parallax < 0.2", "RUWE < 1.4",
                      "BOSS Net Teff > 10000 K", "Bailer-Jones photogeometric distance available"],
        "n_spectra": [459679, 450000, 300000, 200000, 180000, 99600, 99494],
        "n_stars": [165460, 160000, 110000, 80000, 72000, 45500, 45487],
    })


def _sky_tables(n_targets=2000, n_hss=700, n_nan=3):
    rng = np.random.default_rng(3)
    targets = pd.DataFrame({"l": rng.uniform(0, 360, n_targets), "b": rng.normal(0, 5, n_targets)})
    targets.loc[: n_nan - 1, "b"] = np.nan
    hss = targets.iloc[n_nan:n_nan + n_hss].reset_index(drop=True)
    return targets, hss


# --- style and savefig ------------------------------------------------------------------------

def test_style_is_applied_only_inside_the_context():
    before = matplotlib.rcParams["xtick.direction"]
    with style.paper_style():
        assert matplotlib.rcParams["xtick.direction"] == "in"
        assert matplotlib.rcParams["font.family"] == ["serif"]
    assert matplotlib.rcParams["xtick.direction"] == before


def test_savefig_is_byte_identical_and_has_no_software_tag(tmp_path, cutflow):
    paths = [tmp_path / "a.png", tmp_path / "b.png"]
    for p in paths:
        style.savefig(sample.fig_cutflow(cutflow), p, dpi=80)
    data = [p.read_bytes() for p in paths]
    assert data[0][:8] == b"\x89PNG\r\n\x1a\n"
    assert data[0] == data[1]
    assert b"Software" not in data[0] and b"matplotlib" not in data[0].lower()
    assert not list(tmp_path.glob(".*.part"))  # no temporary file left behind


def test_savefig_pdf_is_byte_identical(tmp_path, cutflow):
    paths = [tmp_path / "a.pdf", tmp_path / "b.pdf"]
    for p in paths:
        style.savefig(sample.fig_cutflow(cutflow), p)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert b"CreationDate" not in paths[0].read_bytes()


def test_savefig_rejects_unknown_format_and_closes_the_figure(tmp_path):
    import matplotlib.pyplot as plt
    fig = plt.figure()
    with pytest.raises(ValueError, match="unsupported figure format"):
        style.savefig(fig, tmp_path / "x.jpg")
    assert fig.number not in plt.get_fignums()
    assert not list(tmp_path.iterdir())


# --- Galactic-plane furniture ------------------------------------------------------------------

def test_galactic_plane_axes_sun_circles_and_longitudes():
    fig = Figure()
    ax = style.galactic_plane_axes(fig.add_subplot(), r_sun_kpc=8.2, xlim=(-16, 0),
                                      ylim=(-8, 8))
    sun = [ln for ln in ax.lines if ln.get_gid() == "sun"]
    assert len(sun) == 1
    np.testing.assert_allclose(np.c_[sun[0].get_xdata(), sun[0].get_ydata()], [[-8.2, 0.0]])
    # the paper's captions: the Sun a yellow star, the Galactic centre a dot
    assert sun[0].get_marker() == "*"
    assert matplotlib.colors.to_rgb(sun[0].get_markerfacecolor())[2] < 0.2  # yellow: no blue
    gc = [ln for ln in ax.lines if ln.get_gid() == "gc"]
    assert len(gc) == 1 and gc[0].get_marker() == "o"
    assert (gc[0].get_xdata()[0], gc[0].get_ydata()[0]) == (0.0, 0.0)

    circles = [p for p in ax.patches if isinstance(p, Circle) and p.get_gid() == "R_circle"]
    assert all(c.center == (0.0, 0.0) for c in circles)
    assert all(c.get_linestyle() != "-" for c in circles)  # dashed
    # the paper's circles: R = 2, 4, 6 kpc around the GC
    np.testing.assert_allclose(sorted(c.radius for c in circles), [2, 4, 6])

    rays = [ln for ln in ax.lines if ln.get_gid() == "l_line"]
    assert len(rays) == 12
    for lon, ray in zip(range(0, 360, 30), rays):
        x, y = ray.get_xdata(), ray.get_ydata()
        assert (x[0], y[0]) == (-8.2, 0.0)
        # Galactic longitude of the far end seen from the Sun: l = atan2(Y, X + R_sun).
        l_end = np.degrees(np.arctan2(y[1], x[1] + 8.2)) % 360
        assert l_end == pytest.approx(lon, abs=1e-9)
    # +Y is toward l = 90 deg: the 90 deg line goes straight up.
    assert rays[3].get_ydata()[1] > 0 and rays[3].get_xdata()[1] == pytest.approx(-8.2)
    assert ax.get_xlim() == (-16, 0) and ax.get_ylim() == (-8, 8)


def test_plane_frame_is_the_default_and_contains_the_sun_and_the_gc():
    ax = style.galactic_plane_axes(Figure().add_subplot(), r_sun_kpc=8.0)
    xlim, ylim = style.plane_frame(8.0)
    assert (ax.get_xlim(), ax.get_ylim()) == (xlim, ylim)
    assert xlim[0] < -8.0 < 0.0 < xlim[1] and ylim[0] < 0.0 < ylim[1]
    assert style.plane_frame(8.0) != style.plane_frame(12.0)  # follows R_sun


def test_sample_label_box_in_fig_contrast_and_fig_young_old_contours():
    from hotstars.plots import structure

    label = "Δ_Σ: Z21 OB targets, N = 31,204; w = 0.3 / 2 kpc"
    gx = np.arange(-12.0, 0.01, 0.5)
    gy = np.arange(-5.0, 5.01, 0.5)
    xx, yy = np.meshgrid(gx, gy)
    contrast = pd.DataFrame({"x": xx.ravel(), "y": yy.ravel(),
                             "delta_sigma": np.sin(xx).ravel() * np.cos(yy).ravel()})
    ix, iy = np.meshgrid(np.arange(-36, -24), np.arange(-4, 4))
    vr = pd.DataFrame({"x_center": (ix.ravel() + 0.5) * 0.25, "y_center": (iy.ravel() + 0.5) * 0.25,
                       "n_stars": 8, "vR_mean": np.linspace(-20, 20, ix.size)})
    young = vr[["x_center", "y_center", "n_stars"]]

    def labels(ax):  # a long label is broken into lines after "; "
        return [t.get_text().replace("\n", " ") for t in ax.texts if t.get_gid() == "sample_label"]

    fig = structure.fig_contrast(contrast, vr, {}, sample_label=label)
    assert labels(fig.axes[0]) == [label]  # the Δ_Σ panel, not the v_R panels
    assert labels(fig.axes[1]) == labels(fig.axes[2]) == []
    fig = structure.fig_young_old_contours(young, young, contrast, size_kpc=0.25,
                                           sample_label=label)
    assert labels(fig.axes[0]) == labels(fig.axes[1]) == [label]
    # without a label: no box
    fig = structure.fig_contrast(contrast, vr, {})
    assert not [t for ax in fig.axes for t in ax.texts if t.get_gid() == "sample_label"]


def test_galactic_plane_axes_given_radii():
    ax = style.galactic_plane_axes(Figure().add_subplot(), radii_kpc=[2, 4, 6, 8, 10],
                                      longitudes_deg=[], r_sun_kpc=8.0)
    radii = [p.radius for p in ax.patches if p.get_gid() == "R_circle"]
    assert radii == [2, 4, 6, 8, 10]
    assert not [ln for ln in ax.lines if ln.get_gid() == "l_line"]
    sun = next(ln for ln in ax.lines if ln.get_gid() == "sun")
    assert sun.get_xdata()[0] == -8.0


def test_diverging_norm_is_centred_on_zero():
    norm = style.diverging_norm([-5.0, 12.0, np.nan, 3.0])
    assert norm(0.0) == pytest.approx(0.5)
    assert norm(12.0) == pytest.approx(1.0) and norm(-12.0) == pytest.approx(0.0)
    norm = style.diverging_norm([1.0, 2.0], vmax=30)
    assert (norm(-30.0), norm(0.0), norm(15.0)) == pytest.approx((0.0, 0.5, 0.75))
    with pytest.raises(ValueError, match="no finite values"):
        style.diverging_norm([np.nan])
    with pytest.raises(ValueError, match="vmax"):
        style.diverging_norm([0.0, 0.0])


# --- Fig. 1 ---------------------------------------------------------------------------------

def test_fig_sky_titles_counts_and_orientation():
    targets, hss = _sky_tables(n_targets=2000, n_hss=700, n_nan=3)
    fig = sample.fig_sky(targets, hss)
    top, bottom = fig.axes
    assert "N$ = 1,997" in top.get_title() and "3 without" in top.get_title()
    assert "N$ = 700)" in bottom.get_title()
    points = [c for c in top.collections if c.get_gid() == "stars"][0].get_offsets()
    assert len(points) == 1997
    # l increases to the left: a star at l = +90 deg is drawn at x = -pi/2.
    one = pd.DataFrame({"l": [90.0], "b": [10.0]})
    ax = sample.fig_sky(one, one).axes[0]
    np.testing.assert_allclose(ax.collections[0].get_offsets(), [[-np.pi / 2, np.radians(10)]])
    # l = 270 deg = -90 deg: right of centre.
    ax = sample.fig_sky(one.assign(l=270.0), one).axes[0]
    assert ax.collections[0].get_offsets()[0, 0] == pytest.approx(np.pi / 2)


def test_fig_sky_errors_name_the_table():
    targets, hss = _sky_tables()
    with pytest.raises(ValueError, match="hss: the table is empty"):
        sample.fig_sky(targets, hss.iloc[:0])
    with pytest.raises(ValueError, match=r"targets: missing column\(s\) \['b'\]"):
        sample.fig_sky(targets.drop(columns="b"), hss)


# --- Fig. 2 ---------------------------------------------------------------------------------

def test_fig_cutflow_bars_equal_the_csv_counts(cutflow):
    ax = sample.fig_cutflow(cutflow).axes[0]
    bars = {c.get_label(): c for c in ax.containers}
    for label, column in (("spectra", "n_spectra"), ("stars", "n_stars")):
        widths = [p.get_width() for p in bars[label].patches]
        np.testing.assert_array_equal(widths, cutflow[column])
        # Steps in order top to bottom.
        ys = [p.get_y() for p in bars[label].patches]
        assert np.all(np.diff(ys) < 0)
    texts = [t.get_text() for t in ax.texts]
    assert "45,487 (27%)" in texts  # 45487 / 165460 = 27.5 %
    assert any(t.startswith("7. distance: Bailer-Jones") for t in texts)


def test_fig_cutflow_rejects_bad_counts(cutflow):
    bad = cutflow.astype({"n_stars": float})
    bad.loc[2, "n_stars"] = np.nan
    with pytest.raises(ValueError, match=r"'n_stars' must hold non-negative .* bad rows \[2\]"):
        sample.fig_cutflow(bad)
    with pytest.raises(ValueError, match="missing column"):
        sample.fig_cutflow(cutflow.drop(columns="criterion"))


# --- Fig. 4 ---------------------------------------------------------------------------------

def _mesh(ax, gid):
    return next(c for c in ax.collections if isinstance(c, QuadMesh) and c.get_gid() == gid)


def test_fig_kiel_axes_inverted_and_lines_at_log_teff(flags):
    ax = sample.fig_kiel(flags, TEFF_LINES).axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 > x1 and y0 > y1
    lines = [ln for ln in ax.lines if ln.get_gid() == "teff_line"]
    np.testing.assert_allclose([ln.get_xdata()[0] for ln in lines], np.log10(TEFF_LINES))
    assert all(x1 < np.log10(t) < x0 for t in TEFF_LINES)  # every line inside the frame
    labels = {t.get_text().strip() for t in ax.texts}
    assert {"O9.5V", "B3V", "B9V", "A9V", "F9V"} <= labels


def test_fig_kiel_histograms_count_the_finite_rows(flags):
    fig = sample.fig_kiel(flags, TEFF_LINES)
    ax = fig.axes[0]
    finite = np.isfinite(flags.teff) & np.isfinite(flags.logg)
    n_hss = int((flags.in_hss & finite).sum())
    n_quality = int((flags.passes_quality & finite).sum())
    assert _mesh(ax, "hss_hist").get_array().sum() == n_hss
    assert _mesh(ax, "quality_hist").get_array().sum() == n_quality
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    n_nan = int((flags.passes_quality & ~finite).sum())
    assert legend[0].startswith(f"quality cuts: {n_quality:,} (+{n_nan} without")
    n_hss_nan = int((flags.in_hss & ~finite).sum())
    assert n_hss_nan > 0  # the fixture has HSS stars with Teff but no log g
    assert legend[1].startswith(f"HSS: {n_hss:,} (+{n_hss_nan} without")


def test_fig_kiel_bin_contents_match_numpy(flags):
    """The HSS histogram cell holding a given star counts what numpy counts in that cell."""
    ax = sample.fig_kiel(flags, TEFF_LINES, dlogteff=0.05, dlogg=0.5).axes[0]
    mesh = _mesh(ax, "hss_hist")
    coords = mesh.get_coordinates()  # (ny+1, nx+1, 2)
    xe, ye = coords[0, :, 0], coords[:, 0, 1]
    np.testing.assert_allclose(np.diff(xe), 0.05)
    np.testing.assert_allclose(np.diff(ye), 0.5)
    hss = flags[flags.in_hss & np.isfinite(flags.logg)]
    ref, _, _ = np.histogram2d(np.log10(hss.teff), hss.logg, bins=(xe, ye))
    np.testing.assert_array_equal(np.ma.filled(mesh.get_array(), 0).reshape(ref.T.shape), ref.T)


def test_fig_kiel_empty_and_bad_inputs(flags):
    with pytest.raises(ValueError, match="no HSS stars"):
        sample.fig_kiel(flags.assign(in_hss=False), TEFF_LINES)
    with pytest.raises(ValueError, match="the table is empty"):
        sample.fig_kiel(flags.iloc[:0], TEFF_LINES)
    with pytest.raises(ValueError, match="finite teff and logg"):
        sample.fig_kiel(flags.assign(teff=np.nan), TEFF_LINES)
    with pytest.raises(ValueError, match="'in_hss' must be boolean"):
        sample.fig_kiel(flags.assign(in_hss=np.where(flags.in_hss, 1.0, np.nan)), TEFF_LINES)
    with pytest.raises(ValueError, match="teff_lines_k"):
        sample.fig_kiel(flags, [-5.0])


def test_fig_kiel_other_lines_are_labelled_in_kelvin(flags):
    ax = sample.fig_kiel(flags, [20000.0]).axes[0]
    assert "20,000 K" in {t.get_text().strip() for t in ax.texts}


# --- a figure job: several figures, one interpreter ---------------------------------------------

def test_a_figure_job_writes_each_figure_to_the_output_named_after_its_function(tmp_path,
                                                                                monkeypatch,
                                                                                caplog):
    monkeypatch.setattr(logs, "setup", lambda path, name="hotstars", job=None:
                        logging.getLogger(name))
    drawn = []

    def figa(sm, log):
        drawn.append("figa")
        return style.placeholder_figure("A", "first")

    def figb(sm, log):
        drawn.append("figb")
        return style.placeholder_figure("B", sm.input["reason"])

    out = {"figb": str(tmp_path / "b.png"), "figa": str(tmp_path / "a.png")}
    sm = SimpleNamespace(input={"reason": "second"}, output=out, params=SimpleNamespace(dpi=40),
                         log=[str(tmp_path / "job.log")])
    figures.write_all(sm, (figa, figb))
    assert drawn == ["figa", "figb"]  # in the script's order, not the outputs'
    assert Image.open(out["figa"]).text["Description"] == "not made: first"
    assert Image.open(out["figb"]).text["Description"] == "not made: second"
    assert Image.open(out["figa"]).info["dpi"] == pytest.approx((40, 40), abs=0.1)

    def broken(sm, log):
        raise ValueError("no such column")

    with caplog.at_level(logging.ERROR), pytest.raises(ValueError, match="no such column"):
        figures.write_all(SimpleNamespace(**{**vars(sm), "output": {"figa": "a.png",
                                                                    "broken": "c.png"}}),
                          (broken, figa))
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        "broken (c.png) not drawn; the error follows"]
    assert drawn == ["figa", "figb"]  # the job stops at the first figure that fails


def test_figures_of_a_job_read_a_shared_table_once_each_getting_their_own_copy(tmp_path,
                                                                                 monkeypatch):
    monkeypatch.setattr(logs, "setup", lambda path, name="hotstars", job=None:
                        logging.getLogger(name))
    path = tmp_path / "shared.parquet"
    tables.write_table(pd.DataFrame({"x": [1.0, 2.0]}), path, meta={"cut": [1, 2]})
    reads = []
    for name in ("read_table", "read_meta"):
        real = getattr(figures, name)
        monkeypatch.setattr(figures, name, lambda p, real=real, name=name:
                            reads.append(name) or real(p))
    seen = []

    def figa(sm, log):  # changes what it was given
        df, meta = figures.table(sm.input["t"]), figures.meta(sm.input["t"])
        df.loc[0, "x"] = -1.0
        meta["cut"].append(3)
        return style.placeholder_figure("A", "first")

    def figb(sm, log):
        seen.append((figures.table(sm.input["t"])["x"].tolist(), figures.meta(sm.input["t"])))
        return figures.optional(sm.input["t"], "B", "second", lambda df: style.placeholder_figure(
            "B", f"{len(df)} rows"), log)

    sm = SimpleNamespace(input={"t": str(path)}, params=SimpleNamespace(dpi=20),
                         output={"figa": str(tmp_path / "a.png"), "figb": str(tmp_path / "b.png")},
                         log=[str(tmp_path / "job.log")])
    figures.write_all(sm, (figa, figb))
    assert sorted(reads) == ["read_meta", "read_table"]  # once each, for three uses
    assert seen == [([1.0, 2.0], {"cut": [1, 2]})]  # not figa's changes
    # outside a figure job nothing is kept: every call reads the file
    figures.table(path), figures.table(path)
    assert reads.count("read_table") == 3
