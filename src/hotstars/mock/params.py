"""The mock survey's knobs, :class:`MockParams` (config ``mock.physics``), and its error.

Apart from :mod:`hotstars.mock.survey` (which uses them) so that the workflow checks a config's
``mock.physics`` when it reads the config (every ``snakemake`` call) without importing the mock's
numpy/pandas machinery. Documented in ``docs/mock.md``.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

from hotstars.errors import HotstarsError

_DR20_MJD = 60708  # last MJD of DR20 (paper Sec. 2.1)


class MockError(HotstarsError):
    """Bad input to the mock survey (unknown parameter, unusable grid, impossible selection)."""


@dataclass(frozen=True)
class MockParams:
    """Physics and instrument knobs of the mock survey, with documented defaults.

    Distances in kpc unless the name says pc; velocities km/s; magnitudes mag; times MJD/d/Myr.
    """

    # --- stellar population (docs/conventions.md, Ages; paper Eq. 9) ---
    imf_slope: float = 2.7              # ξ(m) ∝ m^−imf_slope (Salpeter-like; paper's gfunc2D)
    mass_min_msun: float = 1.5          # lightest star drawn (all targets are far brighter)
    feh_gradient: float = -0.0678       # dex/kpc, Eq. 9
    feh_intercept: float = 0.546        # dex, Eq. 9
    feh_scatter: float = 0.1            # dex, docs/conventions.md, Ages: φ(Z)
    # --- disc geometry ---
    disc_scale_length_kpc: float = 2.6
    d_max_kpc: float = 12.0             # in-plane heliocentric radius of the simulated region
    scale_height_young_pc: float = 50.0  # vertical exponential scale height at age 0 ...
    scale_height_1gyr_pc: float = 150.0  # ... growing linearly to this at 1 Gyr
    # --- clumps (OB associations, open clusters) ---
    # Fraction of the stars aged min..max in clumps and the number of clumps: 0.03 and 4 put
    # ~18 % of the small mock's HSS in ~65 clumps with hot members, median ~11 HSS members each
    # (most 5-30, max ~70), as real clusters' B-star counts; 0.07 and 1.5 made ~40 % of the HSS
    # members of clumps of median ~60, max ~250 hot stars.
    clump_fraction: float = 0.03
    clump_age_min_myr: float = 5.0      # clump ages uniform in [min, max], continuous
    clump_age_max_myr: float = 300.0
    clumps_per_1000_targets: float = 4.0
    clump_d_max_kpc: float = 4.0        # clump centres within this distance of the Sun
    clump_sigma_min_pc: float = 30.0    # Gaussian size, uniform between min and max
    clump_sigma_max_pc: float = 60.0
    clump_age_spread_myr: float = 2.0
    clump_richness_slope: float = 2.0   # members per clump ∝ M, dN/dM ∝ M^−2 (Lada & Lada 2003)
    clump_richness_range: float = 5.0   # ... for M in [1, range]
    clump_feh_spread: float = 0.02
    clump_internal_dispersion_kms: float = 3.0
    # --- dust ---
    av_per_kpc: float = 1.0             # A_V per kpc in the mid-plane (0: no extinction)
    dust_scale_height_pc: float = 100.0
    av_scatter_dex: float = 0.1         # log-normal patchiness of A_V
    ext_g: float = 0.8                  # A_G/A_V (hot stars, Gaia EDR3 G)
    ext_j: float = 0.288                # Cardelli et al. 1989, R_V = 3.1, 1.235 µm
    ext_h: float = 0.178                # idem, 1.662 µm
    ext_ks: float = 0.117               # idem, 2.159 µm
    # --- kinematics ---
    vcirc_kms: float = 230.0            # v_c at the Sun's radius
    vcirc_slope_kms_per_kpc: float = -1.7  # Eilers et al. 2019 ...
    vcirc_inner_kpc: float = 5.0        # ... v_c constant inside this radius
    sigma_r_kms: float = 12.0           # dispersions of the youngest stars ...
    sigma_phi_kms: float = 9.0
    sigma_z_kms: float = 6.0
    dispersion_growth_power: float = 0.5  # ... × (1 + age/1 Gyr)^power
    vr_amplitude_kms: float = 25.0      # injected mean v_R: A sin(m[ln(R/R_ref)/tan p + φ] + φ0)
    vr_arms: int = 2
    vr_pitch_deg: float = 12.0
    vr_phase_deg: float = 0.0
    vr_r_ref_kpc: float = 8.2
    runaway_fraction: float = 0.03
    runaway_kick_min_kms: float = 40.0
    runaway_kick_max_kms: float = 100.0
    # --- target selection (paper Eq. 2; mwm_ob carton notes) ---
    g_max: float = 16.0
    mk_max: float = -0.6                # Eq. 2: M_K = Ks + 5 log10 ϖ − 10 < mk_max
    carton_colour_cuts: bool = True
    # Post-main-sequence (MIST phase >= 2) points with 7400 <= Teff < 10000 K and log g >= 3 are
    # drawn this many times more often than single-star lifetimes give. Pure isochrones (1) yield
    # ~5x fewer A-type targets passing the quality cuts than the paper (33,309 A vs 45,487 HSS
    # stars, Sec. 2.2); 25 restores that ratio. A phenomenological stand-in for whatever makes
    # the real A contaminants (binary products, model lifetimes, BOSS Net Teff systematics);
    # stars hotter than 10 kK (the HSS) are unaffected.
    evolved_a_boost: float = 25.0
    # --- Gaia DR3-like astrometry and photometry ---
    plx_err_floor_mas: float = 0.02     # σ_ϖ = hypot(floor, at_g16 × 10^(0.4 (G − 16)))
    plx_err_g16_mas: float = 0.098
    plx_err_scatter_dex: float = 0.1
    pm_err_ratio_min: float = 1.0       # σ_μ / σ_ϖ [yr^-1], uniform in [min, max]
    pm_err_ratio_max: float = 1.3
    pm_corr_max: float = 0.5            # pmra_pmdec_corr uniform in [−max, max]
    g_err_mag: float = 0.003
    ruwe_core_sigma: float = 0.07       # ln RUWE ~ N(0, σ) for well-behaved sources
    ruwe_tail_single: float = 0.05      # fraction with RUWE > 1.4 among singles ...
    ruwe_tail_binary: float = 0.12      # ... and binaries
    bj_max_rel_error: float = 0.3       # cap of σ_d/d (the photometric prior helps)
    tmass_err_floor: float = 0.02       # σ_m = hypot(floor, at_13 × 10^(0.4 (m − 13)))
    tmass_err_13: float = 0.015
    # --- Gaia RVS and ESP-HS ---
    gaia_rv_grvs_max: float = 12.0      # hot stars (template ≥ 7000 K): published for grvs ≤ 12
    gaia_rv_template_max_k: float = 14500.0
    gaia_rv_completeness: float = 0.9
    gaia_rv_epochs: int = 8             # transits averaged for binaries
    esphs_fraction: float = 0.85        # fraction of targets hotter than 7500 K with ESP-HS
    esphs_teff_bias: float = 0.04       # ESP-HS Teff / true − 1 (paper Fig. 3: ESP-HS higher)
    esphs_teff_scatter: float = 0.08
    esphs_logg_bias: float = 0.1
    esphs_logg_scatter: float = 0.2
    # --- survey progress (the selection function of the observed sample) ---
    # Fraction of the carton's fields (field_size_deg cells in l, b) observed before the DR20 cut;
    # the others' targets stay in the OB target sample (Zari et al. 2021) without a spectrum.
    # 165,460 of the ~0.5 million targets had spectra by DR20 (paper Sec. 2.1); a full-survey
    # mock sets 1.
    field_completion: float = 0.6
    # --- BOSS epochs ---
    mjd_start: float = 59150.0
    mjd_first_max: float = 60700.0      # first visits of fields before the DR20 cut
    field_size_deg: float = 3.0
    frac_3x1: float = 0.8               # targets on cadence bright_3x1 (else bright_1x1)
    epoch_completion: float = 0.93      # probability that epochs 2 and 3 of 3x1 are obtained
    extra_visits_per_field: float = 0.5   # Poisson mean of extra field visits ...
    extra_visit_coverage: float = 0.8   # ... each observing this fraction of the field's targets
    extra_visit_max_days: float = 1100.0
    # --- BOSS spectra ---
    snr_at_g13: float = 45.0            # median SN_MEDIAN_ALL at G = 13; ∝ 10^(−0.2 G)
    snr_scatter_dex: float = 0.2
    snr_failure_fraction: float = 0.02  # spectra with SNR divided by ~10 (bad fibre)
    rxc_at_snr20_15kk: float = 10.0     # median XCSAO_RXC at SNR 20, Teff 15 kK
    rxc_scatter_dex: float = 0.12
    xcsao_width_kms: float = 200.0      # σ_v = w (Teff/15 kK)^0.5 / (1 + RXC), Tonry & Davis 1979
    rv_outlier_fraction: float = 0.01   # XCSAO template failures: ±U(20, 150) km/s
    bn_rv_err_kms: float = 12.0         # BOSS Net σ_v at SNR 20, Teff 15 kK
    # Per-spectrum BOSS Net errors (reported as e_teff, e_logg): σ_Teff/Teff = hypot(floor, k/SNR),
    # σ_logg = hypot(floor, k/SNR). The floors (8 %, 0.12 dex; ~5 % and ~0.08 dex after the
    # HSS's SNR-weighted mean of ~2 spectra) make the pipeline's age errors those of the paper
    # (Sec. 3.2: median 15 Myr, ~4 Myr below 30 Myr, ~30 Myr above 150 Myr; the small mock gives
    # 15.8, 4.9, 31 Myr); the earlier 1.5 % and 0.07 dex gave half of each.
    # Estimated log-ages > 8.5 (15 % of the paper's HSS) do not follow from any error model here:
    # the carton's M_K < -0.6 (Eq. 2) bounds the pipeline's M_K (same Ks and, through the
    # Bailer-Jones distance, the same parallax) and, with M_K < -0.55, the posterior median of
    # a star with Teff > 10 kK is below 8.5 but for a stray one at the Teff cut (MIST has no
    # point of M_K < -0.6 and Teff ~ 10 kK older than ~8.6; the small mock: 1 of 4,950). In the
    # real data they need M_K fainter than the carton's limit as the pipeline sees it, which
    # this mock does not model.
    bn_teff_err_floor: float = 0.08
    bn_teff_err_snr: float = 0.25
    bn_logg_err_floor: float = 0.12
    bn_logg_err_snr: float = 1.5
    bossnet_missing_fraction: float = 0.01
    other_program_fraction: float = 0.01
    # --- binaries and noise ---
    binary_fraction: float = 0.5
    binary_light: bool = False          # add the unresolved companion's light to the photometry
    observational_noise: bool = True

    def __post_init__(self):
        fractions = [f.name for f in dataclasses.fields(self) if f.name == "frac_3x1"
                     or f.name.endswith(("_fraction", "_completion", "_coverage"))]
        bad = [f"{k} = {getattr(self, k)} (expected 0..1)" for k in fractions
               if not 0.0 <= getattr(self, k) <= 1.0]
        positive = ("disc_scale_length_kpc", "d_max_kpc", "clump_d_max_kpc", "dust_scale_height_pc",
                    "mass_min_msun", "field_size_deg", "snr_at_g13", "rxc_at_snr20_15kk",
                    "evolved_a_boost", "vr_r_ref_kpc", "gaia_rv_epochs", "field_completion")
        bad += [f"{k} = {getattr(self, k)} (expected > 0)" for k in positive
                if not getattr(self, k) > 0]
        bad += [f"{k} = {getattr(self, k)} (expected >= 0: extinction only dims)" for k in
                ("av_per_kpc", "ext_g", "ext_j", "ext_h", "ext_ks") if not getattr(self, k) >= 0]
        if not 0 < self.clump_age_min_myr < self.clump_age_max_myr:
            bad.append(f"clump_age_min_myr, clump_age_max_myr = {self.clump_age_min_myr}, "
                       f"{self.clump_age_max_myr} (expected 0 < min < max)")
        if not (self.clump_richness_range >= 1 and math.isfinite(self.clump_richness_slope)):
            bad.append(f"clump_richness_range, clump_richness_slope = {self.clump_richness_range}, "
                       f"{self.clump_richness_slope} (expected range >= 1, finite slope)")
        if not 0 < self.vr_pitch_deg < 90:
            bad.append(f"vr_pitch_deg = {self.vr_pitch_deg} (expected 0..90)")
        if not self.mjd_start < self.mjd_first_max <= _DR20_MJD:
            bad.append(f"mjd_first_max = {self.mjd_first_max} (expected in (mjd_start, {_DR20_MJD}])")
        if bad:
            raise MockError("mock.physics: " + "; ".join(bad))

    @classmethod
    def from_overrides(cls, overrides: Mapping | None = None) -> "MockParams":
        """Defaults updated with ``overrides`` (config ``mock.physics``); unknown keys are an error."""
        overrides = dict(overrides or {})
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - set(known))
        if unknown:
            raise MockError(f"mock.physics: unknown parameter(s) {unknown}; known: {sorted(known)}")
        values = {}
        for key, value in overrides.items():
            kind = type(known[key].default)
            number = isinstance(value, numbers.Real) and not isinstance(value, bool)
            ok = (isinstance(value, bool) if kind is bool
                  else number and (kind is float or float(value).is_integer()))
            if not ok:
                raise MockError(f"mock.physics.{key}: expected a {kind.__name__}, got {value!r}")
            values[key] = kind(value)
        return dataclasses.replace(cls(), **values)
