# Comparisons with other catalogues and the appendix checks (paper Sec. 2.2-2.3, 4, App. A-D).


rule compare_gaia_rv:
    """Fig. 5 numbers: our v_los against Gaia DR3 RVs corrected with Eq. 3 (Blomme et al. 2023)."""
    input:
        hss=results("sample/hss.parquet"),
        vlos=results("rv/vlos.parquet"),
        code=imports_of("compare_gaia_rv"),
    output:
        table=results("comparisons/gaia_rv.parquet"),
        numbers=results("comparisons/gaia_rv.json"),
    params:
        teff_range_k=config["comparisons"]["gaia_rv"]["teff_range_k"],
        grvs_range=config["comparisons"]["gaia_rv"]["grvs_range"],
        outside_window=config["comparisons"]["gaia_rv"]["outside_window"],
    log:
        logs("compare_gaia_rv.log"),
    benchmark:
        benchmarks("compare_gaia_rv.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/compare_gaia_rv.py"


rule compare_esphs:
    """Fig. 3 numbers: BOSS Net Teff/log g against Gaia DR3 ESP-HS."""
    input:
        hss=results("sample/hss.parquet"),
        code=imports_of("compare_esphs"),
    output:
        table=results("comparisons/esphs.parquet"),
        numbers=results("comparisons/esphs.json"),
    params:
        teff_err_frac=config["comparisons"]["esphs"]["teff_err_frac"],
        logg_err_dex=config["comparisons"]["esphs"]["logg_err_dex"],
    log:
        logs("compare_esphs.log"),
    benchmark:
        benchmarks("compare_esphs.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/compare_esphs.py"


rule simulate_binaries:
    """App. C: 50 % binaries at the HSS's real epochs and errors, averaged as the pipeline does."""
    input:
        hss=results("sample/hss.parquet"),
        hss_spectra=results("sample/hss_spectra.parquet"),
        code=imports_of("simulate_binaries"),
    output:
        table=results("comparisons/binary_simulation.parquet"),
        numbers=results("comparisons/binary_simulation.json"),
    params:
        seed=config["comparisons"]["binaries"]["seed"],
        binary_fraction=config["comparisons"]["binaries"]["binary_fraction"],
        rxc_min=config["rv"]["rxc_min"],
        error_floor=config["rv"]["error_floor"],
    log:
        logs("simulate_binaries.log"),
    benchmark:
        benchmarks("simulate_binaries.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/simulate_binaries.py"


CONTRAST_PARAMS = dict(
    pixel_kpc=config["contrast"]["pixel_kpc"],
    local_kpc=config["contrast"]["local_kpc"],
    mean_kpc=config["contrast"]["mean_kpc"],
    truncate=config["contrast"]["truncate"],
    edge_correction=config["contrast"]["edge_correction"],
    footprint_kpc=config["contrast"]["footprint_kpc"],
    z_max_kpc=config["maps"]["z_max_kpc"],
)


rule density_contrast:
    """Density contrast Delta_Sigma (Eq. 15) of the OB target sample (Zari et al. 2021), else of the HSS map stars."""
    input:
        **PLAN.contrast_inputs(),
        code=imports_of("density_contrast"),
    output:
        contrast=results("maps/density_contrast.parquet"),
    params:
        **CONTRAST_PARAMS,
        parallax_over_error_min=config["contrast"]["parallax_over_error_min"],
        # positions only: the Sun's place, not its velocity (a new v_sun does not rerun this)
        sun={k: config["frame"][k] for k in ("r_sun_kpc", "z_sun_pc", "roll_deg")},
    log:
        logs("density_contrast.log"),
    benchmark:
        benchmarks("density_contrast.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/density_contrast.py"


rule density_contrast_hss:
    """Density contrast Delta_Sigma (Eq. 15) of the HSS map stars: a labelled extra beside the OB target sample's."""
    input:
        kinematics=results("kinematics/kinematics.parquet"),
        flags=results("kinematics/vphi_window.parquet"),
        code=imports_of("density_contrast_hss"),
    output:
        contrast=results("maps/density_contrast_hss.parquet"),
    params:
        **CONTRAST_PARAMS,
    log:
        logs("density_contrast_hss.log"),
    benchmark:
        benchmarks("density_contrast_hss.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/density_contrast_hss.py"


rule contrast_numbers:
    """Sec. 4.1 numbers: over-dense fraction, and how mean v_R follows Delta_Sigma."""
    input:
        contrast=results("maps/density_contrast.parquet"),
        vr=map_file("vR"),
        code=imports_of("contrast_numbers"),
        **({"hss": results("maps/density_contrast_hss.parquet")} if PLAN.has("ob_sample") else {}),
    output:
        numbers=results("comparisons/contrast.json"),
    params:
        spaxel_pc=SPAXEL_PC,
    log:
        logs("contrast_numbers.log"),
    benchmark:
        benchmarks("contrast_numbers.tsv")
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/contrast_numbers.py"


rule crossmatch_als3:
    """Table 1: ALS-III "M" and full within 1 arcsec of the HSS, the observed targets and any configured sample."""
    input:
        als3=side_input("als3"),
        hss=results("sample/hss.parquet"),
        targets=results("sample/targets.parquet"),
        samples=[s["path"] for s in config["comparisons"]["als3"]["samples"]],
        code=imports_of("crossmatch_als3"),
    output:
        csv=results("comparisons/table1_als3.csv"),
        md=results("comparisons/table1_als3.md"),
        json=results("comparisons/als3_crossmatch.json"),
    params:
        radius_arcsec=config["comparisons"]["als3"]["radius_arcsec"],
        flag_column=config["comparisons"]["als3"]["flag_column"],
        massive_value=config["comparisons"]["als3"]["massive_value"],
        sample_names=[s["name"] for s in config["comparisons"]["als3"]["samples"]],
        teff_edges={
            "o": config["sample"]["teff_classes_k"]["o_min"],
            "early_b": config["sample"]["teff_classes_k"]["early_b_min"],
        },
    log:
        logs("crossmatch_als3.log"),
    benchmark:
        benchmarks("crossmatch_als3.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/crossmatch_als3.py"


rule compare_d23:
    """App. A: the Gaia DR3 OB sample (D23) against the mwm_ob targets and the HSS."""
    input:
        d23=side_input("d23"),
        d23_gaia=side_input("d23_gaia"),
        targets=results("sample/targets.parquet"),
        hss=results("sample/hss.parquet"),
        code=imports_of("compare_d23"),
    output:
        stars=results("comparisons/d23_stars.parquet"),
        json=results("comparisons/d23_overlap.json"),
    params:
        r_sun_kpc=config["frame"]["r_sun_kpc"],
        z_sun_pc=config["frame"]["z_sun_pc"],
        mk_range=config["comparisons"]["d23"]["mk_range"],
    log:
        logs("compare_d23.log"),
    benchmark:
        benchmarks("compare_d23.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/compare_d23.py"


rule crossmatch_numbers:
    """Sec. 2.1-2.2 numbers of the ALS-III and D23 comparisons for summary.json."""
    input:
        als3=results("comparisons/als3_crossmatch.json"),
        d23=results("comparisons/d23_overlap.json"),
        code=imports_of("crossmatch_numbers"),
    output:
        numbers=results("comparisons/crossmatch.json"),
    log:
        logs("crossmatch_numbers.log"),
    benchmark:
        benchmarks("crossmatch_numbers.tsv")
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/crossmatch_numbers.py"


rule auriga_maps:
    """Young and old stars of an Auriga mock (Sec. 4.2, App. D): density and mean v_R maps."""
    input:
        auriga=side_input("auriga"),
        code=imports_of("auriga_maps"),
    output:
        young_density=results(f"comparisons/auriga_young_density_{SPAXEL_PC}pc.parquet"),
        young_vR=results(f"comparisons/auriga_young_vR_{SPAXEL_PC}pc.parquet"),
        old_density=results(f"comparisons/auriga_old_density_{SPAXEL_PC}pc.parquet"),
        old_vR=results(f"comparisons/auriga_old_vR_{SPAXEL_PC}pc.parquet"),
        stars=results("comparisons/auriga_stars.parquet"),
    params:
        observed=config["comparisons"]["auriga"]["observed"],
        young=config["comparisons"]["auriga"]["young"],
        giants=config["comparisons"]["giants"],
        units_override=config["comparisons"]["auriga"]["units_override"],
        frame=config["comparisons"]["auriga"]["frame"],
        vr_error_floor_kms=config["comparisons"]["auriga"]["vr_error_floor_kms"],
        spaxel_pc=SPAXEL_PC,
        min_stars=config["maps"]["min_stars"],
        sigma_max=config["maps"]["sigma_max_kms"],
    log:
        logs("auriga_maps.log"),
    benchmark:
        benchmarks("auriga_maps.tsv")
    resources:
        mem_mb=3000,
        runtime=10,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/auriga_maps.py"


# Fig. 13's APOGEE spaxel size (comparisons.apogee.spaxel_pc; config/config.yaml says why)
APOGEE_SPAXEL_PC = int(config["comparisons"]["apogee"]["spaxel_pc"])


rule apogee_maps:
    """APOGEE DR17 astroNN disc giants (App. D cuts) and their v_R maps (Fig. B.1 and Fig. 13)."""
    input:
        apogee=side_input("apogee"),
        code=imports_of("apogee_maps"),
    output:
        vr=results(f"comparisons/apogee_vR_{SPAXEL_PC}pc.parquet"),
        stars=results("comparisons/apogee_giants.parquet"),
        fig13=results(f"comparisons/apogee_vR_fig13_{APOGEE_SPAXEL_PC}pc.parquet"),
    params:
        giants=config["comparisons"]["giants"],
        frame=config["comparisons"]["apogee"]["frame"],
        fig13={"spaxel_pc": APOGEE_SPAXEL_PC,
               "max_err_kms": config["comparisons"]["apogee"]["max_err_kms"]},
        spaxel_pc=SPAXEL_PC,
        min_stars=config["maps"]["min_stars"],
        sigma_max=config["maps"]["sigma_max_kms"],
        r_mask_kpc=config["comparisons"]["apogee"]["r_mask_kpc"],
    log:
        logs("apogee_maps.log"),
    benchmark:
        benchmarks("apogee_maps.tsv")
    resources:
        mem_mb=3000,
        runtime=10,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/apogee_maps.py"


rule mock_comparison_numbers:
    """Sec. 4.2-4.3 numbers of the Auriga and APOGEE comparisons for summary.json."""
    input:
        auriga_stars=results("comparisons/auriga_stars.parquet"),
        auriga_young_vR=results(f"comparisons/auriga_young_vR_{SPAXEL_PC}pc.parquet"),
        auriga_old_vR=results(f"comparisons/auriga_old_vR_{SPAXEL_PC}pc.parquet"),
        apogee_stars=results("comparisons/apogee_giants.parquet"),
        apogee_vR=results(f"comparisons/apogee_vR_fig13_{APOGEE_SPAXEL_PC}pc.parquet"),
        hss_vR=map_file("vR"),
        code=imports_of("mock_comparison_numbers"),
    output:
        numbers=results("comparisons/galaxies.json"),
    log:
        logs("mock_comparison_numbers.log"),
    benchmark:
        benchmarks("mock_comparison_numbers.tsv")
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/mock_comparison_numbers.py"
