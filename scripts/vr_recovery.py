"""Rule vr_recovery: recovered v̄_R map and per-star v_R against the mock's truth (JSON)."""

from hotstars import validation
from hotstars.io import tables
from hotstars.workflow import logs


def main(sm):
    log = logs.setup(sm.log[0], job=sm)
    kinematics = tables.read_table(sm.input.kinematics)
    flags = tables.read_table(sm.input.flags)
    truth = tables.read_table(sm.input.truth)
    vr_map = tables.read_table(sm.input.vr_map)
    size_kpc = sm.params.spaxel_pc / 1000.0
    result = validation.injection_recovery(
        {size_kpc: vr_map}, kinematics, flags, truth,
        sm.params.min_stars, z_max_kpc=sm.params.z_max_kpc, sigma_max=sm.params.sigma_max,
        seed=sm.params.seed)
    m = result[f"vR_map_{sm.params.spaxel_pc:g}pc"]
    nan = {"chi2_dof": float("nan")}
    log.info("v_R map %g pc: %d spaxels, bias %.2f km/s; chi2/dof %.2f (marginal error), "
             "%.2f (Fisher), %.2f against the smooth field alone", sm.params.spaxel_pc,
             m["n_spaxels"], m.get("bias_mean_kms", float("nan")),
             m.get("marginal", nan)["chi2_dof"], m.get("fisher", nan)["chi2_dof"],
             m.get("smooth_field", {}).get("marginal", nan)["chi2_dof"])
    for row in m.get("coverage_by_n", {}).get("ideal", {}).get("per_bin", []):
        log.info("ideal data, N %s: 68 %% coverage HKSJ %.3f, marginal %.3f, Fisher %.3f, "
                 "sigma_R/sqrt(N) %.3f; 95 %% HKSJ %.3f; sigma_R Q-profile 68 %% %.3f",
                 row["bin"], row["hksj"]["coverage_68"], row["marginal"]["coverage_68"],
                 row["fisher"]["coverage_68"], row["sqrtn"]["coverage_68"],
                 row["hksj"]["coverage_95"], row["sigma_R_q_profile"]["coverage_68"])
    field = validation.vr_field_recovery(
        tables.read_table(sm.input.field), tables.read_meta(sm.input.field), vr_map, kinematics,
        flags, truth, size_kpc, sm.params.min_stars, z_max_kpc=sm.params.z_max_kpc)
    result["vR_field"] = field
    versus, foot = field.get("versus_spaxel_map", {}), field["footprint"]
    log.info("v_R field (h = %g kpc): pulls against the smooth injected field at %d pixels: "
             "68 %% coverage %.3f (jackknife), %.3f (independent stars); RMS on the map's "
             "spaxels %.2f km/s (spaxel map %.2f); error < 5 km/s over %.1f %% of the footprint "
             "(spaxel map %.1f %%)", field["bandwidth_kpc"], field["n_pixels_supported"],
             field["pixels"]["jackknife"].get("coverage_68", float("nan")),
             field["pixels"]["independent_stars"].get("coverage_68", float("nan")),
             versus.get("rms_field_kms", float("nan")), versus.get("rms_spaxel_map_kms",
                                                                   float("nan")),
             100 * foot.get("frac_err_below_field", float("nan")),
             100 * foot.get("frac_err_below_spaxel_map", float("nan")))
    # the truth-check numbers of summary.json (flat keys; hotstars.summary.PAPER)
    result.update({"truth.vr_field_rms_kms": versus.get("rms_field_kms"),
                   "truth.vr_map_rms_kms": versus.get("rms_spaxel_map_kms"),
                   "truth.vr_field_coverage_68": field["pixels"]["jackknife"].get("coverage_68")})
    tables.write_json(result, sm.output.json)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (injected by Snakemake)
