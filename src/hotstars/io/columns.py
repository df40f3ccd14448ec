"""The column registry: unit, UCD and a one-line description of every column of every product.

:func:`hotstars.io.tables.write_table` (and ``write_posteriors``) look each column up here and
write its description (astropy ``Column.description``, so ``Table.read`` shows it) and its UCD
into the product's VOParquet header (:mod:`hotstars.io.tables`). The units written are those the
writer is given (the science modules' ``UNITS`` dicts stay their source); ``unit`` here is the
column's usual unit and ``also`` the other spellings a product may legitimately use (e.g. the
mock Gaia input keeps the Gaia archive's ``log(cm.s**-2)``). ``tests/test_product_metadata.py``
checks that the registry agrees with every ``UNITS`` dict and with every product of a mock run.

UCDs are UCD1+ words (IVOA UCD list 1.5), only where the meaning is unambiguous; each is checked
with :func:`astropy.io.votable.ucd.check_ucd`. Conventions (frame, signs, units):
docs/conventions.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ColumnInfo:
    """One column: description, usual unit ('' for none), UCD ('' when not obvious), and other
    unit spellings products may use (``also``)."""

    description: str
    unit: str = ""
    ucd: str = ""
    also: tuple[str, ...] = ()

    @property
    def units(self) -> tuple[str, ...]:
        """Every accepted unit: :attr:`unit` first, then :attr:`also`."""
        return (self.unit, *self.also)


_C = ColumnInfo
_GC = "Galactocentric"  # frame of docs/conventions.md: Sun at (X, Y) = (-R_sun, 0), v_R > 0 outward
KMS, MASYR, DEX_YR = "km / s", "mas / yr", "dex(yr)"


def _err(info: ColumnInfo, what: str | None = None) -> ColumnInfo:
    """The 1σ error column of ``info``."""
    ucd = f"stat.error;{info.ucd}" if info.ucd and not info.ucd.startswith("stat.") else ""
    return _C(f"1-sigma error of {what or info.description[0].lower() + info.description[1:]}",
              info.unit, ucd, info.also)


_RA = _C("Right ascension (ICRS, Gaia DR3 epoch 2016.0)", "deg", "pos.eq.ra;meta.main")
_DEC = _C("Declination (ICRS, Gaia DR3 epoch 2016.0)", "deg", "pos.eq.dec;meta.main")
_PLX = _C("Gaia DR3 parallax", "mas", "pos.parallax.trig")
_PMRA = _C("Proper motion in right ascension, mu_alpha* = mu_alpha cos(dec)", MASYR,
           "pos.pm;pos.eq.ra")
_PMDEC = _C("Proper motion in declination", MASYR, "pos.pm;pos.eq.dec")
_TEFF = _C("Effective temperature (BOSS Net; per star: S/N-weighted mean of its passing "
           "spectra)",
           "K", "phys.temperature.effective")
_LOGG = _C("Surface gravity log10(g / cm s^-2) (BOSS Net; per star as teff)", "dex",
           "phys.gravity", also=("dex(cm / s2)",))
_FEH = _C("Iron abundance [Fe/H] (BOSS Net; per star as teff)", "dex", "phys.abund.Fe")
_VLOS = _C("Line-of-sight velocity: mean of the star's epochs (paper Sec. 2.3)", KMS,
           "spect.dopplerVeloc.opt")
_X = _C(f"{_GC} Cartesian X (Sun at X = -R_sun; docs/conventions.md)", "kpc",
        "pos.cartesian.x;pos.galactocentric")
_Y = _C(f"{_GC} Cartesian Y (positive toward l = 90 deg)", "kpc",
        "pos.cartesian.y;pos.galactocentric")
_Z = _C(f"{_GC} Cartesian Z (positive toward the North Galactic Pole)", "kpc",
        "pos.cartesian.z;pos.galactocentric")
_R = _C(f"{_GC} cylindrical radius R", "kpc", "pos.distance;pos.galactocentric")
_PHI = _C(f"{_GC} azimuth phi (docs/conventions.md)", "deg", "pos.az.azi;pos.galactocentric")
_VR = _C(f"{_GC} radial velocity v_R (positive outward)", KMS, "phys.veloc;pos.galactocentric")
_VPHI = _C(f"{_GC} azimuthal velocity v_phi (positive in the sense of Galactic rotation)", KMS,
           "phys.veloc;pos.galactocentric")
_VZ = _C(f"{_GC} vertical velocity v_z (positive toward the North Galactic Pole)", KMS,
         "phys.veloc;pos.galactocentric")
_DIST = _C("Heliocentric distance", "kpc", "pos.distance")
_J = _C("2MASS J magnitude", "mag", "phot.mag;em.IR.J")
_H = _C("2MASS H magnitude", "mag", "phot.mag;em.IR.H")
_KS = _C("2MASS Ks magnitude", "mag", "phot.mag;em.IR.K")
_LOGAGE = _C("log10 of the age", DEX_YR, "time.age")


def _pct(what: str, p: int, base: ColumnInfo = _LOGAGE) -> ColumnInfo:
    return _C(f"{p}th percentile of {what}", base.unit, base.ucd)


def _flag(what: str) -> ColumnInfo:
    return _C(what, "", "meta.code")


def _count(what: str) -> ColumnInfo:
    return _C(what, "", "meta.number")


#: Every column name of every product, alphabetical (case-sensitive).
COLUMNS: dict[str, ColumnInfo] = {
    # identifiers
    "source_id": _C("Gaia DR3 source identifier", "", "meta.id;meta.main"),
    "gaia_dr2_id": _C("Gaia DR2 source identifier (as in spAll)", "", "meta.id.cross"),
    "sdss_id": _C("SDSS-V unique star identifier (SDSS_ID)", "", "meta.id.cross"),
    "catalogid": _C("SDSS-V targeting catalogue identifier (CATALOGID)", "", "meta.id.cross"),
    "apogee_id": _C("APOGEE star identifier (APOGEE_ID, 2MASS-based)", "", "meta.id;meta.main"),
    "particle_id": _C("Auriga star-particle identifier", "", "meta.id;meta.main"),
    "cluster": _C("Open-cluster name in its catalogue", "", "meta.id;meta.main"),
    "clump_id": _C("Mock star-forming clump of the star (-1: field star)", "", "meta.id"),
    "field": _C("SDSS-V field identifier of the spectrum (FIELD)", "", "meta.id"),
    "mjd": _C("Modified Julian Date of the observation (MJD)", "", "time.epoch"),
    "population": _C("Stellar population of the star ('young' or 'old'; mock: its kind)", "",
                     "src.class"),
    # astrometry and photometry (Gaia DR3, Bailer-Jones et al. 2021, 2MASS)
    "ra": _RA,
    "dec": _DEC,
    "l": _C("Galactic longitude", "deg", "pos.galactic.lon"),
    "b": _C("Galactic latitude", "deg", "pos.galactic.lat"),
    "parallax": _PLX,
    "parallax_error": _err(_PLX, "the Gaia DR3 parallax"),
    "parallax_true": _C("True parallax of the mock star (no error)", "mas", "pos.parallax.trig"),
    "pmra": _PMRA,
    "pmra_error": _err(_PMRA, "pmra"),
    "pmra_true": _C("True pmra of the mock star (no error)", MASYR, "pos.pm;pos.eq.ra"),
    "pmdec": _PMDEC,
    "pmdec_error": _err(_PMDEC, "pmdec"),
    "pmdec_true": _C("True pmdec of the mock star (no error)", MASYR, "pos.pm;pos.eq.dec"),
    "pmra_pmdec_corr": _C("Gaia DR3 correlation between pmra and pmdec", "",
                          "stat.correlation"),
    "ruwe": _C("Gaia DR3 renormalised unit weight error of the astrometric fit", "",
               "stat.fit.goodness"),
    "phot_g_mean_mag": _C("Gaia DR3 G-band mean magnitude", "mag", "phot.mag;em.opt"),
    "g_mag": _C("Gaia G magnitude of the Auriga star (mock observation)", "mag",
                "phot.mag;em.opt"),
    "grvs_mag": _C("Gaia DR3 G_RVS magnitude", "mag", "phot.mag;em.opt.I"),
    "radial_velocity": _C("Gaia DR3 radial velocity", KMS, "spect.dopplerVeloc.opt"),
    "radial_velocity_error": _C("1-sigma error of the Gaia DR3 radial velocity", KMS,
                                "stat.error;spect.dopplerVeloc.opt"),
    "rv_template_teff": _C("Teff of the Gaia DR3 RV template", "K", "phys.temperature.effective"),
    "teff_esphs": _C("Gaia DR3 ESP-HS effective temperature", "K", "phys.temperature.effective"),
    "e_teff_esphs": _C("1-sigma error of the ESP-HS Teff (from the configured fraction)", "K",
                       "stat.error;phys.temperature.effective"),
    "logg_esphs": _C("Gaia DR3 ESP-HS surface gravity log10(g / cm s^-2)", "dex", "phys.gravity",
                     also=("log(cm.s**-2)",)),
    "e_logg_esphs": _C("1-sigma error of the ESP-HS log g (configured value)", "dex",
                       "stat.error;phys.gravity"),
    "r_med_photogeo": _C("Median photogeometric distance (Bailer-Jones et al. 2021)", "pc",
                         "pos.distance;stat.median"),
    "r_lo_photogeo": _C("16th percentile of the photogeometric distance (Bailer-Jones et al. "
                        "2021)", "pc", "pos.distance"),
    "r_hi_photogeo": _C("84th percentile of the photogeometric distance (Bailer-Jones et al. "
                        "2021)", "pc", "pos.distance"),
    "j_m": _J,
    "h_m": _H,
    "ks_m": _KS,
    "j_msigcom": _err(_J, "the 2MASS J magnitude (total)"),
    "h_msigcom": _err(_H, "the 2MASS H magnitude (total)"),
    "ks_msigcom": _err(_KS, "the 2MASS Ks magnitude (total)"),
    "g_ks": _C("Colour G - Ks", "mag", "phot.color"),
    "j_h": _C("Colour J - H", "mag", "phot.color"),
    "j_ks": _C("Colour J - Ks", "mag", "phot.color"),
    "m_k": _C("Absolute Ks magnitude (no extinction correction)", "mag", "phys.magAbs;em.IR.K"),
    # spectra (spAll, BOSS Net) and stellar parameters
    "run2d": _C("Spectral reduction version of the spectrum (spAll RUN2D)", "", "meta.version"),
    "obs": _C("Observatory of the spectrum (spAll OBS: APO or LCO)", "", "meta.id;instr.obsty"),
    "n_identical_spall": _count("spAll rows with this spectrum's key collapsed as identical"),
    "n_dropped_spall": _count("Other spAll rows with this spectrum's key, dropped"),
    "n_identical_bossnet": _count("BOSS Net rows with this spectrum's key collapsed as identical"),
    "n_dropped_bossnet": _count("Other BOSS Net rows with this spectrum's key, dropped"),
    "sn_median_all": _C("Median signal-to-noise ratio per pixel of the spectrum (SN_MEDIAN_ALL)",
                        "", "stat.snr"),
    "xcsao_rv": _C("XCSAO radial velocity of the spectrum", KMS, "spect.dopplerVeloc.opt"),
    "xcsao_erv": _C("1-sigma error of the XCSAO radial velocity", KMS,
                    "stat.error;spect.dopplerVeloc.opt"),
    "xcsao_rxc": _C("XCSAO cross-correlation peak height R_xc", "", "stat.fit.goodness"),
    "bn_v_r": _C("BOSS Net radial velocity of the spectrum", KMS, "spect.dopplerVeloc.opt"),
    "e_bn_v_r": _C("1-sigma error of the BOSS Net radial velocity", KMS,
                   "stat.error;spect.dopplerVeloc.opt"),
    "teff": _TEFF,
    "e_teff": _err(_TEFF, "teff"),
    "logg": _LOGG,
    "e_logg": _err(_LOGG, "logg"),
    "fe_h": _FEH,
    "e_fe_h": _err(_FEH, "fe_h"),
    "feh": _C("Iron abundance [Fe/H] (isochrone or mock star)", "dex", "phys.abund.Fe"),
    "n_spectra": _count("Number of the star's spectra"),
    "n_spectra_snr": _count("Number of the star's spectra above the SNR cut"),
    # sample flags
    "passes_snr": _flag("Star has a spectrum with SNR above the cut (paper Sec. 2.2)"),
    "passes_parallax": _flag("Parallax precision cut passed (paper Sec. 2.2)"),
    "passes_ruwe": _flag("RUWE cut passed (paper Sec. 2.2)"),
    "passes_teff": _flag("BOSS Net Teff cut passed (paper Sec. 2.2)"),
    "passes_distance": _flag("Photogeometric distance available"),
    "passes_quality": _flag("All quality cuts passed"),
    "in_hss": _flag("Star is in the Hot Star Sample"),
    "in_targets": _flag("Star is an mwm_ob target"),
    "has_gaia_rv": _flag("Star has a Gaia DR3 radial velocity"),
    "in_vphi_window": _flag("v_phi inside kinematics.vphi_window_kms (default 190-250 km/s; "
                            "Sec. 3.1)"),
    "in_eq3_window": _flag("Star in the Teff/G_RVS window of paper Eq. 3"),
    "in_footprint": _flag("Pixel inside the survey footprint"),
    "in_plane": _flag("Star within the height limit of the plane"),
    "dist_ok": _flag("Distance precision cut passed"),
    "giant": _flag("Star passes the giant selection (Teff, log g)"),
    "toomre_ok": _flag("Star passes the Toomre-diagram (disc kinematics) cut"),
    "selected": _flag("Star passes every cut"),
    "is_binary": _flag("Star is a binary (mock truth)"),
    "is_runaway": _flag("Star is a runaway (mock truth)"),
    # velocities (paper Sec. 2.3)
    "vlos": _VLOS,
    "vlos_err": _err(_VLOS, "vlos"),
    "n_epochs": _count("Number of epochs (spectra) in the mean velocity"),
    "n_epochs_xcsao": _count("Number of those epochs with an XCSAO velocity"),
    "vlos_source": _C("Pipeline of the epoch velocities: XCSAO, BNet or mixed", "", "meta.code"),
    "vlos_gaia": _C("Our velocity mapped to the Gaia scale (paper Eq. 3)", KMS,
                    "spect.dopplerVeloc.opt"),
    "delta_v": _C("Velocity difference (gaia_rv: vlos - vlos_gaia; binaries: measured minus "
                  "systemic)", KMS, "spect.dopplerVeloc"),
    "delta_v_err": _C("1-sigma error of delta_v", KMS, "stat.error;spect.dopplerVeloc"),
    "sigma_comb": _C("Combined 1-sigma error of delta_v: sqrt(vlos_err^2 + "
                     "radial_velocity_error^2)", KMS, "stat.error;spect.dopplerVeloc"),
    "sigma_true": _C("True velocity scatter of the simulated star", KMS,
                     "stat.stdev;spect.dopplerVeloc"),
    "pull": _C("delta_v divided by its 1-sigma error", "", ""),
    "v_sys": _C("Systemic line-of-sight velocity of the mock star (truth)", KMS,
                "spect.dopplerVeloc"),
    # kinematics (paper Sec. 3)
    "distance": _DIST,
    "distance_err": _err(_DIST, "the distance: (r_hi - r_lo) / 2 of Bailer-Jones et al. 2021"),
    "dist": _C("Heliocentric distance (astroNN)", "pc", "pos.distance"),
    "dist_error": _C("1-sigma error of the astroNN distance", "pc", "stat.error;pos.distance"),
    "x": _X, "y": _Y, "z": _Z, "R": _R, "phi": _PHI,
    "x_err": _err(_X, "x"), "y_err": _err(_Y, "y"), "z_err": _err(_Z, "z"),
    "R_err": _err(_R, "R"), "phi_err": _err(_PHI, "phi"),
    "v_R": _VR, "v_phi": _VPHI, "v_z": _VZ,
    "v_R_err": _err(_VR, "v_R"), "v_phi_err": _err(_VPHI, "v_phi"), "v_z_err": _err(_VZ, "v_z"),
    "v_R_v_phi_cov": _C("Covariance of v_R and v_phi", "km2 / s2", "stat.covariance;phys.veloc"),
    "v_R_v_z_cov": _C("Covariance of v_R and v_z", "km2 / s2", "stat.covariance;phys.veloc"),
    "v_phi_v_z_cov": _C("Covariance of v_phi and v_z", "km2 / s2", "stat.covariance;phys.veloc"),
    "U": _C("Heliocentric velocity U (toward the Galactic centre)", KMS,
            "phys.veloc;pos.heliocentric"),
    "V": _C("Heliocentric velocity V (in the direction of Galactic rotation)", KMS,
            "phys.veloc;pos.heliocentric"),
    "W": _C("Heliocentric velocity W (toward the North Galactic Pole)", KMS,
            "phys.veloc;pos.heliocentric"),
    "vx": _C(f"{_GC} Cartesian velocity v_x (mock truth)", KMS, "phys.veloc;pos.galactocentric"),
    "vy": _C(f"{_GC} Cartesian velocity v_y (mock truth)", KMS, "phys.veloc;pos.galactocentric"),
    "vz": _C(f"{_GC} Cartesian velocity v_z (mock truth)", KMS, "phys.veloc;pos.galactocentric"),
    "vR_field": _C("Mock spiral-arm v_R field at the star (truth)", KMS,
                   "phys.veloc;pos.galactocentric"),
    "vR_expected": _C("Mean v_R the mock implies at the star (truth)", KMS,
                      "phys.veloc;pos.galactocentric"),
    # maps (paper Sec. 3.1, Eq. 4)
    "x_center": _C("X of the spaxel centre (docs/conventions.md)", "kpc",
                   "pos.cartesian.x;pos.galactocentric"),
    "y_center": _C("Y of the spaxel centre", "kpc", "pos.cartesian.y;pos.galactocentric"),
    "n_stars": _count("Number of stars in the spaxel"),
    "surface_density": _C("Stars per unit area in the spaxel", "1 / kpc2", "phys.density"),
    "vR_mean": _C("Mean v_R of the spaxel (maximum likelihood, paper Eq. 4)", KMS,
                  "phys.veloc;pos.galactocentric"),
    "sigma_R": _C("Intrinsic v_R dispersion of the spaxel (paper Eq. 4)", KMS,
                  "stat.stdev;phys.veloc"),
    "vR_mean_err": _C("1-sigma error of vR_mean (the map's estimator)", KMS,
                      "stat.error;phys.veloc"),
    "vR_mean_err_sqrtn": _C("1-sigma error of vR_mean as sigma_R / sqrt(n_stars)", KMS,
                            "stat.error;phys.veloc"),
    "vR_mean_err_marg": _C("1-sigma error of vR_mean marginalised over sigma_R", KMS,
                           "stat.error;phys.veloc"),
    "vR_mean_err_hksj": _C("1-sigma Hartung-Knapp-Sidik-Jonkman error of the mean v_R (REML "
                           "weights)", KMS, "stat.error;phys.veloc"),
    "vR_mean_lo68": _C("Lower bound of the 68 % HKSJ interval of the mean v_R", KMS,
                       "phys.veloc;stat.min"),
    "vR_mean_hi68": _C("Upper bound of the 68 % HKSJ interval of the mean v_R", KMS,
                       "phys.veloc;stat.max"),
    "vR_mean_lo95": _C("Lower bound of the 95 % HKSJ interval of the mean v_R", KMS,
                       "phys.veloc;stat.min"),
    "vR_mean_hi95": _C("Upper bound of the 95 % HKSJ interval of the mean v_R", KMS,
                       "phys.veloc;stat.max"),
    "sigma_R_lo68": _C("Lower bound of the 68 % Q-profile interval of sigma_R", KMS,
                       "stat.stdev;phys.veloc;stat.min"),
    "sigma_R_hi68": _C("Upper bound of the 68 % Q-profile interval of sigma_R", KMS,
                       "stat.stdev;phys.veloc;stat.max"),
    "sigma_at_boundary": _flag("Eq. 4 fit ended at a bound of sigma_R (0 or sigma_max): sigma_R "
                               "a limit, not a measurement"),
    # continuous v_R field (hotstars.vrfield)
    "vR_smooth": _C("Mean v_R of the continuous field at the pixel centre (kernel-weighted "
                    "Eq. 4); NaN if not supported", KMS,
                    "phys.veloc;pos.galactocentric"),
    "vR_smooth_err": _C("1-sigma error of vR_smooth (delete-a-block jackknife)", KMS,
                        "stat.error;phys.veloc"),
    "vR_smooth_err_model": _C("1-sigma error of vR_smooth if stars were independent (too "
                              "small where they move in groups)", KMS,
                              "stat.error;phys.veloc"),
    "n_eff": _C("Kish effective number of stars in the kernel, (sum K u)^2 / sum K^2 u^2", "",
                "meta.number"),
    "n_blocks": _count("Number of jackknife blocks with stars in the kernel"),
    "supported": _flag("Field reported here: n_eff >= vr_field.min_neff, n_blocks >= "
                       "vr_field.min_blocks"),
    "in_mask": _flag("Spaxel centre inside the masked inner disc R < r_mask_kpc (Fig. 13)"),
    "precise": _flag("Spaxel's sigma_R / sqrt(n_stars) below comparisons.apogee.max_err_kms"),
    "plotted": _flag("Spaxel drawn in Fig. 13 (precise and not in_mask)"),
    "sigma_local": _C("Local surface density (Gaussian kernel, paper Sec. 4.1)", "1 / kpc2",
                      "phys.density"),
    "sigma_mean": _C("Mean surface density (wide Gaussian kernel, paper Sec. 4.1)", "1 / kpc2",
                     "phys.density"),
    "delta_sigma": _C("Density contrast (sigma_local - sigma_mean) / sigma_mean", "", ""),
    "logage_mean": _C("Mean log-age of the spaxel's stars", DEX_YR, "time.age"),
    "logage_median": _C("Median log-age of the spaxel's stars", DEX_YR, "time.age"),
    "logage_std": _C("Standard deviation of the spaxel's log-ages", DEX_YR, "stat.stdev;time.age"),
    # ages (paper Sec. 3.2)
    "logage_p16": _pct("the log-age posterior", 16),
    "logage_p50": _pct("the log-age posterior (the age estimate)", 50),
    "logage_p84": _pct("the log-age posterior", 84),
    "logage_err": _C("Half the 16-84 percentile width of the log-age posterior", "dex",
                     "stat.error;time.age"),
    "age_myr": _C("Age: 10**logage_p50 (mock: true age)", "Myr", "time.age"),
    "age_p16_myr": _C("Age at the 16th percentile of the log-age posterior", "Myr", "time.age"),
    "age_p84_myr": _C("Age at the 84th percentile of the log-age posterior", "Myr", "time.age"),
    "age_flag": _C("Age flag: 0 ok, 1 off the isochrone grid, 2 missing input", "",
                   "meta.code.qual"),
    "n_isochrone_points": _count("Number of isochrone points with chi^2 <= w^2"),
    "posterior": _C("Normalised log-age posterior f(tau_k) on the log_age_grid of the table "
                    "metadata; NaN if flagged", "", "stat.probability"),
    "age": _C("Age of the Auriga star particle", "Gyr", "time.age"),
    "log_age": _C("log10 of the age (isochrone; mock: true)", DEX_YR, "time.age"),
    # clusters (paper Sec. 3.2)
    "n_hot": _count("Number of the cluster's members in the Hot Star Sample"),
    "logage_hs": _C("Median log-age of the cluster's hot members", DEX_YR, "time.age"),
    "logage_err_hs": _C("1-sigma error of logage_hs", "dex", "stat.error;time.age"),
    "logage_hs_p16": _pct("the hot members' log-ages", 16),
    "logage_hs_p84": _pct("the hot members' log-ages", 84),
    "logage_joint": _C("Log-age of the joint posterior of the hot members", DEX_YR, "time.age"),
    "logage_err_joint": _C("1-sigma error of logage_joint", "dex", "stat.error;time.age"),
    "logage_joint_p16": _pct("the joint log-age posterior", 16),
    "logage_joint_p84": _pct("the joint log-age posterior", 84),
    "logage_catalogue": _C("Cluster log-age of the catalogue", DEX_YR, "time.age"),
    "logage_catalogue_p16": _pct("the catalogue log-age", 16),
    "logage_catalogue_p84": _pct("the catalogue log-age", 84),
    "logage_true": _C("True log-age of the mock cluster", DEX_YR, "time.age"),
    # isochrone grid (MIST)
    "eep": _C("Equivalent evolutionary point (MIST)", "", "meta.number"),
    "initial_mass": _C("Initial stellar mass", "solMass", "phys.mass"),
    "log_teff": _C("log10 of the effective temperature", "dex(K)", "phys.temperature.effective"),
    "log_g": _C("Surface gravity log10(g / cm s^-2)", "dex(cm / s2)", "phys.gravity"),
    "log_L": _C("log10 of the bolometric luminosity", "dex(solLum)", "phys.luminosity"),
    "M_G": _C("Absolute Gaia G magnitude", "mag", "phys.magAbs;em.opt"),
    "M_J": _C("Absolute 2MASS J magnitude", "mag", "phys.magAbs;em.IR.J"),
    "M_H": _C("Absolute 2MASS H magnitude", "mag", "phys.magAbs;em.IR.H"),
    "M_Ks": _C("Absolute 2MASS Ks magnitude", "mag", "phys.magAbs;em.IR.K"),
    "dm": _C("Initial-mass interval the isochrone point stands for (IMF weight)", "solMass",
             "phys.mass"),
    "phase": _C("MIST evolutionary phase (-1 PMS, 0 MS, 2 RGB, 3 CHeB, ...)", "", "meta.code"),
    # comparisons
    "delta_teff": _C("Teff difference, BOSS Net minus ESP-HS", "K", "phys.temperature.effective"),
    "pull_teff": _C("delta_teff divided by the combined 1-sigma error", "", ""),
    "delta_logg": _C("log g difference, BOSS Net minus ESP-HS", "dex", "phys.gravity"),
    "pull_logg": _C("delta_logg divided by the combined 1-sigma error", "", ""),
    "m1_msun": _C("Primary mass of the simulated binary", "solMass", "phys.mass"),
    "m2_msun": _C("Secondary mass of the simulated binary", "solMass", "phys.mass"),
    "period_d": _C("Orbital period", "d", "time.period"),
    "ecc": _C("Orbital eccentricity", "", "src.orbital.eccentricity"),
    "q": _C("Mass ratio m2 / m1 (mock truth)", "", "phys.mass;arith.ratio"),
    "k1_kms": _C("Radial-velocity semi-amplitude of the primary", KMS,
                 "spect.dopplerVeloc"),
    # mock truth
    "G_true": _C("True apparent G magnitude (with extinction, no error)", "mag",
                 "phot.mag;em.opt"),
    "Ks_true": _C("True apparent Ks magnitude (with extinction, no error)", "mag",
                  "phot.mag;em.IR.K"),
    "A_V": _C("V-band extinction", "mag", "phys.absorption;em.opt.V"),
    "A_Ks": _C("Ks-band extinction", "mag", "phys.absorption;em.IR.K"),
    "dKs_companion": _C("Ks brightening by the unresolved companion", "mag", "phot.mag;em.IR.K"),
}


def info(name: str) -> ColumnInfo | None:
    """The registry entry of column ``name``, or None."""
    return COLUMNS.get(name)


def missing(names) -> list[str]:
    """The names among ``names`` without a registry entry (in their order)."""
    return [n for n in names if n not in COLUMNS]
