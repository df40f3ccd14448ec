# Every figure of the paper (Figs. 1-13, A.1, A.2, B.1, C.1, D.1) and the truth-check figures.
# Plotting only: changing a figure never reruns the science. Rule name = script name.


rule fig01_sky:
    """Fig. 1: all observed targets and the HSS in Galactic coordinates."""
    input:
        targets=results("sample/targets.parquet"),
        hss=results("sample/hss.parquet"),
        code=imports_of("fig01_sky"),
    output:
        png=report(
            results("figures/fig01_sky.png"),
            caption="../report/fig01_sky.rst",
            category="Figures",
            labels={"figure": "Fig. 1"},
        ),
    params:
        dpi=config["figures"]["dpi"],
    log:
        logs("fig01_sky.log"),
    benchmark:
        benchmarks("fig01_sky.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/fig01_sky.py"


rule fig02_cutflow:
    """Fig. 2: the cut-flow of the HSS with spectra and star counts."""
    input:
        cutflow=results("sample/cutflow.csv"),
        code=imports_of("fig02_cutflow"),
    output:
        png=report(
            results("figures/fig02_cutflow.png"),
            caption="../report/fig02_cutflow.rst",
            category="Figures",
            labels={"figure": "Fig. 2"},
        ),
    params:
        dpi=config["figures"]["dpi"],
    log:
        logs("fig02_cutflow.log"),
    benchmark:
        benchmarks("fig02_cutflow.tsv")
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/fig02_cutflow.py"


rule fig03_esphs:
    """Fig. 3: BOSS Net against Gaia DR3 ESP-HS Teff and log g."""
    input:
        table=results("comparisons/esphs.parquet"),
        code=imports_of("fig03_esphs"),
    output:
        png=report(results("figures/fig03_esphs.png"), caption="../report/fig03_esphs.rst",
                   category="Figures", labels={"figure": "Fig. 3"}),
    params:
        dpi=config["figures"]["dpi"],
    log:
        logs("fig03_esphs.log"),
    benchmark:
        benchmarks("fig03_esphs.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/fig03_esphs.py"


rule fig04_kiel:
    """Fig. 4: Kiel diagram of the quality-cut targets and of the HSS."""
    input:
        flags=results("sample/target_flags.parquet"),
        code=imports_of("fig04_kiel"),
    output:
        png=report(
            results("figures/fig04_kiel.png"),
            caption="../report/fig04_kiel.rst",
            category="Figures",
            labels={"figure": "Fig. 4"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        teff_lines_k=config["figures"]["kiel_teff_lines_k"],
    log:
        logs("fig04_kiel.log"),
    benchmark:
        benchmarks("fig04_kiel.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/fig04_kiel.py"


rule fig05_gaia_rv:
    """Fig. 5: our v_los against Gaia DR3 RVs (Eq. 3)."""
    input:
        table=results("comparisons/gaia_rv.parquet"),
        code=imports_of("fig05_gaia_rv"),
    output:
        png=report(results("figures/fig05_gaia_rv.png"), caption="../report/fig05_gaia_rv.rst",
                   category="Figures", labels={"figure": "Fig. 5"}),
    params:
        dpi=config["figures"]["dpi"],
    log:
        logs("fig05_gaia_rv.log"),
    benchmark:
        benchmarks("fig05_gaia_rv.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/fig05_gaia_rv.py"


rule fig06_vphi:
    """Fig. 6: v_phi against R with the v_phi window."""
    input:
        kinematics=results("kinematics/kinematics.parquet"),
        flags=results("kinematics/vphi_window.parquet"),
        code=imports_of("fig06_vphi"),
    output:
        png=report(
            results("figures/fig06_vphi.png"),
            caption="../report/fig06_vphi.rst",
            category="Figures",
            labels={"figure": "Fig. 6"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        window=config["kinematics"]["vphi_window_kms"],
    log:
        logs("fig06_vphi.log"),
    benchmark:
        benchmarks("fig06_vphi.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/fig06_vphi.py"


rule fig07_maps:
    """Fig. 7: density and mean v_R maps in the Galactic plane."""
    input:
        density=map_file("density"),
        vr=map_file("vR"),
        code=imports_of("fig07_maps"),
    output:
        png=report(
            results("figures/fig07_maps.png"),
            caption="../report/fig07_maps.rst",
            category="Figures",
            labels={"figure": "Fig. 7"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["frame"]["r_sun_kpc"],
    log:
        logs("fig07_maps.log"),
    benchmark:
        benchmarks("fig07_maps.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/fig07_maps.py"


rule fig07_field:
    """The continuous v_R field beside the spaxel map, with Reid's arms and the Delta_Sigma contours; its error."""
    input:
        field=results("maps/vR_field.parquet"),
        vr=map_file("vR"),
        contrast=results("maps/density_contrast.parquet"),
        code=imports_of("fig07_field"),
        arms="src/hotstars/data/reid2019_table2_arm_parameters.csv",
    output:
        png=report(
            results("figures/fig07_field.png"),
            caption="../report/fig07_field.rst",
            category="Figures",
            labels={"figure": "continuous v_R field"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["frame"]["r_sun_kpc"],
        levels=config["contrast"]["levels"],
    log:
        logs("fig07_field.log"),
    benchmark:
        benchmarks("fig07_field.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/fig07_field.py"


rule fig08_logage:
    """Fig. 8: mean log-age per spaxel."""
    input:
        logage=map_file("logage", AGE_SPAXEL_PC),
        code=imports_of("fig08_logage"),
    output:
        png=report(
            results("figures/fig08_logage.png"),
            caption="../report/fig08_logage.rst",
            category="Figures",
            labels={"figure": "Fig. 8"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["frame"]["r_sun_kpc"],
    log:
        logs("fig08_logage.log"),
    benchmark:
        benchmarks("fig08_logage.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/fig08_logage.py"


rule fig09_clusters:
    """Fig. 9: cluster ages from hot members against Hunt & Reffert 2023 and Cantat-Gaudin 2020."""
    input:
        h23=results("validation/clusters_h23.parquet"),
        cg20=results("validation/clusters_cg20.parquet"),
        code=imports_of("fig09_clusters"),
    output:
        png=report(
            results("figures/fig09_clusters.png"),
            caption="../report/fig09_clusters.rst",
            category="Figures",
            labels={"figure": "Fig. 9"},
        ),
    params:
        dpi=config["figures"]["dpi"],
    log:
        logs("fig09_clusters.log"),
    benchmark:
        benchmarks("fig09_clusters.tsv")
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/fig09_clusters.py"


rule fig10_contrast:
    """Fig. 10: Delta_Sigma with its 0 and 0.5 contours; mean v_R with them; mean v_R with Reid's arms."""
    input:
        contrast=results("maps/density_contrast.parquet"),
        vr=map_file("vR"),
        code=imports_of("fig10_contrast"),
        arms="src/hotstars/data/reid2019_table2_arm_parameters.csv",
    output:
        png=report(
            results("figures/fig10_contrast.png"),
            caption="../report/fig10_contrast.rst",
            category="Figures",
            labels={"figure": "Fig. 10"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["frame"]["r_sun_kpc"],
        levels=config["contrast"]["levels"],
    log:
        logs("fig10_contrast.log"),
    benchmark:
        benchmarks("fig10_contrast.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/fig10_contrast.py"


rule fig11_young_old:
    """Fig. 11: density of young (< 30 Myr) and older (> 150 Myr) hot stars, Delta_Sigma contours, OB associations."""
    input:
        young=map_file("density_young"),
        old=map_file("density_old"),
        contrast=results("maps/density_contrast.parquet"),
        code=imports_of("fig11_young_old"),
    output:
        png=report(
            results("figures/fig11_young_old.png"),
            caption="../report/fig11_young_old.rst",
            category="Figures",
            labels={"figure": "Fig. 11"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        frame=config["frame"],
        levels=config["contrast"]["levels"],
    log:
        logs("fig11_young_old.log"),
    benchmark:
        benchmarks("fig11_young_old.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/fig11_young_old.py"


rule fig12_auriga:
    """Fig. 12: density and mean v_R of young and old stars of the Auriga mock."""
    input:
        young_density=results(f"comparisons/auriga_young_density_{SPAXEL_PC}pc.parquet"),
        young_vR=results(f"comparisons/auriga_young_vR_{SPAXEL_PC}pc.parquet"),
        old_density=results(f"comparisons/auriga_old_density_{SPAXEL_PC}pc.parquet"),
        old_vR=results(f"comparisons/auriga_old_vR_{SPAXEL_PC}pc.parquet"),
        code=imports_of("fig12_auriga"),
    output:
        png=report(
            results("figures/fig12_auriga.png"),
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
        logs("fig12_auriga.log"),
    benchmark:
        benchmarks("fig12_auriga.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/fig12_auriga.py"


rule fig13_apogee:
    """Fig. 13: mean v_R of the HSS (as Fig. 7) beside APOGEE giants (precise spaxels only)."""
    input:
        vr=results(f"comparisons/apogee_vR_fig13_{APOGEE_SPAXEL_PC}pc.parquet"),
        stars=results("comparisons/apogee_giants.parquet"),
        hss_vr=map_file("vR"),
        code=imports_of("fig13_apogee"),
    output:
        png=report(
            results("figures/fig13_apogee.png"),
            caption="../report/fig13_apogee.rst",
            category="Figures",
            labels={"figure": "Fig. 13"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["comparisons"]["apogee"]["frame"]["r_sun_kpc"],
        hss_r_sun_kpc=config["frame"]["r_sun_kpc"],
        r_mask_kpc=config["comparisons"]["apogee"]["r_mask_kpc"],
        max_err_kms=config["comparisons"]["apogee"]["max_err_kms"],
        min_stars=config["maps"]["min_stars"],
        vmax_kms=config["comparisons"]["apogee"]["vmax_kms"],
    log:
        logs("fig13_apogee.log"),
    benchmark:
        benchmarks("fig13_apogee.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/fig13_apogee.py"


rule figA1_d23_selection:
    """Fig. A.1: D23 stars and ours in the mwm_ob selection diagrams with the Z21 lines."""
    input:
        d23_stars=results("comparisons/d23_stars.parquet"),
        targets=results("sample/targets.parquet"),
        code=imports_of("figA1_d23_selection"),
    output:
        png=report(
            results("figures/figA1_d23_selection.png"),
            caption="../report/figA1_d23_selection.rst",
            category="Figures",
            labels={"figure": "Fig. A.1"},
        ),
    params:
        dpi=config["figures"]["dpi"],
    log:
        logs("figA1_d23_selection.log"),
    benchmark:
        benchmarks("figA1_d23_selection.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/figA1_d23_selection.py"


rule figA2_d23_plane:
    """Fig. A.2: D23 stars in the Galactic plane, with and without Gaia RVs."""
    input:
        d23_stars=results("comparisons/d23_stars.parquet"),
        code=imports_of("figA2_d23_plane"),
    output:
        png=report(
            results("figures/figA2_d23_plane.png"),
            caption="../report/figA2_d23_plane.rst",
            category="Figures",
            labels={"figure": "Fig. A.2"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["frame"]["r_sun_kpc"],
        bin_kpc=config["comparisons"]["d23"]["plane_bin_kpc"],
    log:
        logs("figA2_d23_plane.log"),
    benchmark:
        benchmarks("figA2_d23_plane.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/figA2_d23_plane.py"


rule figB1_maps:
    """Fig. B.1: sigma_R and the error of mean v_R per spaxel."""
    input:
        vr=map_file("vR"),
        code=imports_of("figB1_maps"),
    output:
        png=report(
            results("figures/figB1_maps.png"),
            caption="../report/figB1_maps.rst",
            category="Figures",
            labels={"figure": "Fig. B.1"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["frame"]["r_sun_kpc"],
    log:
        logs("figB1_maps.log"),
    benchmark:
        benchmarks("figB1_maps.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/figB1_maps.py"


rule figB1_apogee:
    """Fig. B.1, APOGEE row: sigma_R and the error of mean v_R of the astroNN giants."""
    input:
        vr=results(f"comparisons/apogee_vR_{SPAXEL_PC}pc.parquet"),
        code=imports_of("figB1_apogee"),
    output:
        png=report(
            results("figures/figB1_apogee.png"),
            caption="../report/figB1_apogee.rst",
            category="Figures",
            labels={"figure": "Fig. B.1 (APOGEE)"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["comparisons"]["apogee"]["frame"]["r_sun_kpc"],
    log:
        logs("figB1_apogee.log"),
    benchmark:
        benchmarks("figB1_apogee.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/figB1_apogee.py"


rule figC1_binaries:
    """Fig. C.1: epoch-averaged minus systemic v_los of simulated single and binary stars."""
    input:
        table=results("comparisons/binary_simulation.parquet"),
        code=imports_of("figC1_binaries"),
    output:
        png=report(results("figures/figC1_binaries.png"), caption="../report/figC1_binaries.rst",
                   category="Figures", labels={"figure": "Fig. C.1"}),
    params:
        dpi=config["figures"]["dpi"],
    log:
        logs("figC1_binaries.log"),
    benchmark:
        benchmarks("figC1_binaries.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/figC1_binaries.py"


rule figD1_toomre:
    """Fig. D.1: Toomre diagram of the APOGEE giants with the disc cuts."""
    input:
        stars=results("comparisons/apogee_giants.parquet"),
        code=imports_of("figD1_toomre"),
    output:
        png=report(
            results("figures/figD1_toomre.png"),
            caption="../report/figD1_toomre.rst",
            category="Figures",
            labels={"figure": "Fig. D.1"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        toomre_v_kms=config["comparisons"]["giants"]["toomre_v_kms"],
        toomre_uw_max_kms=config["comparisons"]["giants"]["toomre_uw_max_kms"],
    log:
        logs("figD1_toomre.log"),
    benchmark:
        benchmarks("figD1_toomre.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/figD1_toomre.py"


rule plot_vr_recovery:
    """Validation figure: recovered against injected mean v_R per spaxel (mock only)."""
    input:
        vr_map=map_file("vR"),
        kinematics=results("kinematics/kinematics.parquet"),
        flags=results("kinematics/vphi_window.parquet"),
        truth=mock_file("truth"),
        recovery=results("validation/vr_recovery.json"),
        code=imports_of("plot_vr_recovery"),
    output:
        png=report(
            results("figures/validation_vR_recovery.png"),
            caption="../report/vr_recovery.rst",
            category="Validation",
            labels={"figure": "v_R injection-recovery"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["frame"]["r_sun_kpc"],
        spaxel_pc=SPAXEL_PC,
        min_stars=config["maps"]["min_stars"],
        z_max_kpc=config["maps"]["z_max_kpc"],
    log:
        logs("plot_vr_recovery.log"),
    benchmark:
        benchmarks("plot_vr_recovery.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_vr_recovery.py"


rule plot_age_recovery:
    """Validation figure: recovered against true ages of the mock stars."""
    input:
        ages=results("ages/ages.parquet"),
        truth=mock_file("truth"),
        code=imports_of("plot_age_recovery"),
    output:
        png=report(
            results("figures/validation_age_recovery.png"),
            caption="../report/age_recovery.rst",
            category="Validation",
            labels={"figure": "age injection-recovery"},
        ),
    params:
        dpi=config["figures"]["dpi"],
    log:
        logs("plot_age_recovery.log"),
    benchmark:
        benchmarks("plot_age_recovery.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_age_recovery.py"
