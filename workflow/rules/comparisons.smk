# Comparisons with other catalogues and the appendix checks (paper Sec. 2.2-2.3, 4, App. A-D).


rule compare_gaia_rv:
    """Fig. 5 numbers: our v_los against Gaia DR3 RVs corrected with Eq. 3 (Blomme et al. 2023)."""
    input:
        hss="results/sample/hss.parquet",
        vlos="results/rv/vlos.parquet",
        code=lib("comparisons", "tables"),
    output:
        table="results/comparisons/gaia_rv.parquet",
        numbers="results/comparisons/gaia_rv.json",
    params:
        teff_range_k=config["comparisons"]["gaia_rv"]["teff_range_k"],
        grvs_range=config["comparisons"]["gaia_rv"]["grvs_range"],
        outside_window=config["comparisons"]["gaia_rv"]["outside_window"],
    log:
        "results/logs/compare_gaia_rv.log",
    benchmark:
        "results/benchmarks/compare_gaia_rv.tsv"
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
        hss="results/sample/hss.parquet",
        code=lib("comparisons", "tables"),
    output:
        table="results/comparisons/esphs.parquet",
        numbers="results/comparisons/esphs.json",
    params:
        teff_err_frac=config["comparisons"]["esphs"]["teff_err_frac"],
        logg_err_dex=config["comparisons"]["esphs"]["logg_err_dex"],
    log:
        "results/logs/compare_esphs.log",
    benchmark:
        "results/benchmarks/compare_esphs.tsv"
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
        hss="results/sample/hss.parquet",
        hss_spectra="results/sample/hss_spectra.parquet",
        code=lib("comparisons", "binaries", "rv", "tables"),
    output:
        table="results/comparisons/binary_simulation.parquet",
        numbers="results/comparisons/binary_simulation.json",
    params:
        seed=config["comparisons"]["binaries"]["seed"],
        binary_fraction=config["comparisons"]["binaries"]["binary_fraction"],
        rxc_min=config["rv"]["rxc_min"],
        error_floor=config["rv"]["error_floor"],
    log:
        "results/logs/simulate_binaries.log",
    benchmark:
        "results/benchmarks/simulate_binaries.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/simulate_binaries.py"


rule fig03_esphs:
    """Fig. 3: BOSS Net against Gaia DR3 ESP-HS Teff and log g."""
    input:
        table="results/comparisons/esphs.parquet",
        code=lib("plots_comparisons", "comparisons", "plotting"),
    output:
        png=report("results/figures/fig03_esphs.png", caption="../report/fig03_esphs.rst",
                   category="Figures", labels={"figure": "Fig. 3"}),
    params:
        dpi=config["figures"]["dpi"],
    log:
        "results/logs/fig03_esphs.log",
    benchmark:
        "results/benchmarks/fig03_esphs.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_fig03_esphs.py"


rule fig05_gaia_rv:
    """Fig. 5: our v_los against Gaia DR3 RVs (Eq. 3)."""
    input:
        table="results/comparisons/gaia_rv.parquet",
        code=lib("plots_comparisons", "comparisons", "plotting"),
    output:
        png=report("results/figures/fig05_gaia_rv.png", caption="../report/fig05_gaia_rv.rst",
                   category="Figures", labels={"figure": "Fig. 5"}),
    params:
        dpi=config["figures"]["dpi"],
    log:
        "results/logs/fig05_gaia_rv.log",
    benchmark:
        "results/benchmarks/fig05_gaia_rv.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_fig05_gaia_rv.py"


rule figC1_binaries:
    """Fig. C.1: epoch-averaged minus systemic v_los of simulated single and binary stars."""
    input:
        table="results/comparisons/binary_simulation.parquet",
        code=lib("plots_comparisons", "comparisons", "plotting"),
    output:
        png=report("results/figures/figC1_binaries.png", caption="../report/figC1_binaries.rst",
                   category="Figures", labels={"figure": "Fig. C.1"}),
    params:
        dpi=config["figures"]["dpi"],
    log:
        "results/logs/figC1_binaries.log",
    benchmark:
        "results/benchmarks/figC1_binaries.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_figC1_binaries.py"



rule density_contrast:
    """Density contrast Delta_Sigma = (Sigma - mean Sigma)/mean Sigma of the map stars (Eq. 15)."""
    input:
        kinematics="results/kinematics/kinematics.parquet",
        flags="results/kinematics/vphi_window.parquet",
        code=lib("contrast", "maps", "tables"),
    output:
        contrast="results/maps/density_contrast.parquet",
    params:
        pixel_kpc=config["contrast"]["pixel_kpc"],
        local_kpc=config["contrast"]["local_kpc"],
        mean_kpc=config["contrast"]["mean_kpc"],
        truncate=config["contrast"]["truncate"],
        edge_correction=config["contrast"]["edge_correction"],
        footprint_kpc=config["contrast"]["footprint_kpc"],
        z_max_kpc=config["maps"]["z_max_kpc"],
    log:
        "results/logs/density_contrast.log",
    benchmark:
        "results/benchmarks/density_contrast.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/density_contrast.py"


rule contrast_numbers:
    """Sec. 4.1 numbers: over-dense fraction, and how mean v_R follows Delta_Sigma."""
    input:
        contrast="results/maps/density_contrast.parquet",
        vr=map_files("vR"),
        code=lib("contrast", "tables"),
    output:
        numbers="results/comparisons/contrast.json",
    params:
        spaxel_pc=SPAXEL_PC,
    log:
        "results/logs/contrast_numbers.log",
    benchmark:
        "results/benchmarks/contrast_numbers.tsv"
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/contrast_numbers.py"


rule fig10_contrast:
    """Fig. 10: Delta_Sigma with its 0 and 0.5 contours; mean v_R with them; mean v_R with Reid's arms."""
    input:
        contrast="results/maps/density_contrast.parquet",
        vr=map_files("vR"),
        code=lib("plots_structure", "spiral", "plotting"),
        arms="src/hotstars/data/reid2019_table2_arm_parameters.csv",
    output:
        png=report(
            "results/figures/fig10_contrast.png",
            caption="../report/fig10_contrast.rst",
            category="Figures",
            labels={"figure": "Fig. 10"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["frame"]["r_sun_kpc"],
        levels=config["contrast"]["levels"],
    log:
        "results/logs/fig10_contrast.log",
    benchmark:
        "results/benchmarks/fig10_contrast.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_fig10_contrast.py"


rule crossmatch_als3:
    """Table 1: ALS-III "M" and full within 1 arcsec of the HSS, the observed targets and any configured sample."""
    input:
        als3=side_catalogue("als3"),
        hss="results/sample/hss.parquet",
        targets="results/sample/targets.parquet",
        samples=[s["path"] for s in config["comparisons"]["als3"]["samples"]],
        code=lib("crossmatch", "tables"),
    output:
        csv="results/comparisons/table1_als3.csv",
        md="results/comparisons/table1_als3.md",
        json="results/comparisons/als3_crossmatch.json",
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
        "results/logs/crossmatch_als3.log",
    benchmark:
        "results/benchmarks/crossmatch_als3.tsv"
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
        d23=side_catalogue("d23"),
        d23_gaia=side_catalogue("d23_gaia"),
        targets="results/sample/targets.parquet",
        hss="results/sample/hss.parquet",
        code=lib("crossmatch", "tables"),
    output:
        stars="results/comparisons/d23_stars.parquet",
        json="results/comparisons/d23_overlap.json",
    params:
        r_sun_kpc=config["frame"]["r_sun_kpc"],
        z_sun_pc=config["frame"]["z_sun_pc"],
        mk_range=config["comparisons"]["d23"]["mk_range"],
    log:
        "results/logs/compare_d23.log",
    benchmark:
        "results/benchmarks/compare_d23.tsv"
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
        als3="results/comparisons/als3_crossmatch.json",
        d23="results/comparisons/d23_overlap.json",
        code=lib("crossmatch", "tables"),
    output:
        numbers="results/comparisons/crossmatch.json",
    log:
        "results/logs/crossmatch_numbers.log",
    benchmark:
        "results/benchmarks/crossmatch_numbers.tsv"
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/crossmatch_numbers.py"


rule figA1_d23_selection:
    """Fig. A.1: D23 stars and ours in the mwm_ob selection diagrams with the Z21 lines."""
    input:
        d23_stars="results/comparisons/d23_stars.parquet",
        targets="results/sample/targets.parquet",
        code=lib("plots_crossmatch", "crossmatch", "plotting"),
    output:
        png=report(
            "results/figures/figA1_d23_selection.png",
            caption="../report/figA1_d23_selection.rst",
            category="Figures",
            labels={"figure": "Fig. A.1"},
        ),
    params:
        dpi=config["figures"]["dpi"],
    log:
        "results/logs/figA1_d23_selection.log",
    benchmark:
        "results/benchmarks/figA1_d23_selection.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_figA1_d23_selection.py"


rule figA2_d23_plane:
    """Fig. A.2: D23 stars in the Galactic plane, with and without Gaia RVs."""
    input:
        d23_stars="results/comparisons/d23_stars.parquet",
        code=lib("plots_crossmatch", "plotting"),
    output:
        png=report(
            "results/figures/figA2_d23_plane.png",
            caption="../report/figA2_d23_plane.rst",
            category="Figures",
            labels={"figure": "Fig. A.2"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["frame"]["r_sun_kpc"],
        bin_kpc=config["comparisons"]["d23"]["plane_bin_kpc"],
    log:
        "results/logs/figA2_d23_plane.log",
    benchmark:
        "results/benchmarks/figA2_d23_plane.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_figA2_d23_plane.py"


rule auriga_maps:
    """Young and old stars of an Auriga mock (Sec. 4.2, App. D): density and mean v_R maps."""
    input:
        auriga=config["inputs"].get("auriga") or MOCK_AURIGA,
        code=lib("auriga", "maps", "kinematics", "tables"),
    output:
        young_density=f"results/comparisons/auriga_young_density_{SPAXEL_PC}pc.parquet",
        young_vR=f"results/comparisons/auriga_young_vR_{SPAXEL_PC}pc.parquet",
        old_density=f"results/comparisons/auriga_old_density_{SPAXEL_PC}pc.parquet",
        old_vR=f"results/comparisons/auriga_old_vR_{SPAXEL_PC}pc.parquet",
        stars="results/comparisons/auriga_stars.parquet",
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
        "results/logs/auriga_maps.log",
    benchmark:
        "results/benchmarks/auriga_maps.tsv"
    resources:
        mem_mb=3000,
        runtime=10,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/auriga_maps.py"


rule apogee_maps:
    """APOGEE DR17 astroNN disc giants (App. D cuts incl. Toomre) and their mean v_R map."""
    input:
        apogee=config["inputs"].get("apogee") or MOCK_APOGEE,
        code=lib("apogee", "maps", "tables"),
    output:
        vr=f"results/comparisons/apogee_vR_{SPAXEL_PC}pc.parquet",
        stars="results/comparisons/apogee_giants.parquet",
    params:
        giants=config["comparisons"]["giants"],
        frame=config["comparisons"]["apogee"]["frame"],
        spaxel_pc=SPAXEL_PC,
        min_stars=config["maps"]["min_stars"],
        sigma_max=config["maps"]["sigma_max_kms"],
        r_mask_kpc=config["comparisons"]["apogee"]["r_mask_kpc"],
    log:
        "results/logs/apogee_maps.log",
    benchmark:
        "results/benchmarks/apogee_maps.tsv"
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
        auriga_stars="results/comparisons/auriga_stars.parquet",
        auriga_young_vR=f"results/comparisons/auriga_young_vR_{SPAXEL_PC}pc.parquet",
        auriga_old_vR=f"results/comparisons/auriga_old_vR_{SPAXEL_PC}pc.parquet",
        apogee_stars="results/comparisons/apogee_giants.parquet",
        apogee_vR=f"results/comparisons/apogee_vR_{SPAXEL_PC}pc.parquet",
        hss_vR=map_files("vR"),
        code=lib("auriga", "apogee", "tables"),
    output:
        numbers="results/comparisons/galaxies.json",
    log:
        "results/logs/mock_comparison_numbers.log",
    benchmark:
        "results/benchmarks/mock_comparison_numbers.tsv"
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/mock_comparison_numbers.py"


rule fig12_auriga:
    """Fig. 12: density and mean v_R of young and old stars of the Auriga mock."""
    input:
        young_density=f"results/comparisons/auriga_young_density_{SPAXEL_PC}pc.parquet",
        young_vR=f"results/comparisons/auriga_young_vR_{SPAXEL_PC}pc.parquet",
        old_density=f"results/comparisons/auriga_old_density_{SPAXEL_PC}pc.parquet",
        old_vR=f"results/comparisons/auriga_old_vR_{SPAXEL_PC}pc.parquet",
        code=lib("plots_mocks", "auriga", "plotting"),
    output:
        png=report(
            "results/figures/fig12_auriga.png",
            caption="../report/fig12_auriga.rst",
            category="Figures",
            labels={"figure": "Fig. 12"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        spaxel_pc=SPAXEL_PC,
        contour_smooth_kpc=config["comparisons"]["auriga"]["contour_smooth_kpc"],
        r_sun_kpc=config["comparisons"]["auriga"]["frame"]["r_sun_kpc"],
        vmax_kms=config["comparisons"]["auriga"]["vmax_kms"],
    log:
        "results/logs/fig12_auriga.log",
    benchmark:
        "results/benchmarks/fig12_auriga.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_fig12_auriga.py"


rule fig13_apogee:
    """Fig. 13: mean v_R of APOGEE astroNN disc giants (R < 5 kpc masked)."""
    input:
        vr=f"results/comparisons/apogee_vR_{SPAXEL_PC}pc.parquet",
        code=lib("plots_mocks", "plotting"),
    output:
        png=report(
            "results/figures/fig13_apogee.png",
            caption="../report/fig13_apogee.rst",
            category="Figures",
            labels={"figure": "Fig. 13"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["comparisons"]["apogee"]["frame"]["r_sun_kpc"],
        r_mask_kpc=config["comparisons"]["apogee"]["r_mask_kpc"],
        vmax_kms=config["comparisons"]["apogee"]["vmax_kms"],
    log:
        "results/logs/fig13_apogee.log",
    benchmark:
        "results/benchmarks/fig13_apogee.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_fig13_apogee.py"


rule figD1_toomre:
    """Fig. D.1: Toomre diagram of the APOGEE giants with the disc cuts."""
    input:
        stars="results/comparisons/apogee_giants.parquet",
        code=lib("plots_mocks", "plotting"),
    output:
        png=report(
            "results/figures/figD1_toomre.png",
            caption="../report/figD1_toomre.rst",
            category="Figures",
            labels={"figure": "Fig. D.1"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        toomre_v_kms=config["comparisons"]["giants"]["toomre_v_kms"],
        toomre_uw_max_kms=config["comparisons"]["giants"]["toomre_uw_max_kms"],
    log:
        "results/logs/figD1_toomre.log",
    benchmark:
        "results/benchmarks/figD1_toomre.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_figD1_toomre.py"
