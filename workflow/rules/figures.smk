# Every figure of the paper (Figs. 1-13, A.1, A.2, B.1, C.1, D.1) and the truth-check figures.
# Plotting only: changing a figure never reruns the science. Rule name = script name.
# Figures that share inputs are drawn by one job (hotstars.workflow.figures): a fresh job's
# imports and matplotlib's caches cost ~0.8 s, several times a small figure's drawing.


rule plot_sample:
    """Figs. 1-5 and C.1: the sample, its cut-flow, ESP-HS, Kiel diagram, Gaia RVs, binaries."""
    input:
        targets=results("sample/targets.parquet"),
        hss=results("sample/hss.parquet"),
        cutflow=results("sample/cutflow.csv"),
        flags=results("sample/target_flags.parquet"),
        esphs=results("comparisons/esphs.parquet"),
        gaia_rv=results("comparisons/gaia_rv.parquet"),
        binaries=results("comparisons/binary_simulation.parquet"),
        code=imports_of("plot_sample"),
    output:
        fig01_sky=figure("fig01_sky", "Fig. 1"),
        fig02_cutflow=figure("fig02_cutflow", "Fig. 2"),
        fig03_esphs=figure("fig03_esphs", "Fig. 3"),
        fig04_kiel=figure("fig04_kiel", "Fig. 4"),
        fig05_gaia_rv=figure("fig05_gaia_rv", "Fig. 5"),
        figC1_binaries=figure("figC1_binaries", "Fig. C.1"),
    params:
        dpi=config["figures"]["dpi"],
        teff_lines_k=config["figures"]["kiel_teff_lines_k"],
    log:
        logs("plot_sample.log"),
    benchmark:
        benchmarks("plot_sample.tsv")
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_sample.py"


rule plot_maps:
    """Figs. 6, 7, B.1 and the continuous v_R field: v_phi against R, the maps, their errors."""
    input:
        kinematics=results("kinematics/kinematics.parquet"),
        flags=results("kinematics/vphi_window.parquet"),
        density=map_file("density"),
        vr=map_file("vR"),
        field=results("maps/vR_field.parquet"),
        contrast=results("maps/density_contrast.parquet"),
        arms="src/hotstars/data/reid2019_table2_arm_parameters.csv",
        code=imports_of("plot_maps"),
    output:
        fig06_vphi=figure("fig06_vphi", "Fig. 6"),
        fig07_maps=figure("fig07_maps", "Fig. 7"),
        figB1_maps=figure("figB1_maps", "Fig. B.1"),
        fig07_field=figure("fig07_field", "continuous v_R field"),
    params:
        dpi=config["figures"]["dpi"],
        window=config["kinematics"]["vphi_window_kms"],
        r_sun_kpc=config["frame"]["r_sun_kpc"],
        levels=config["contrast"]["levels"],
    log:
        logs("plot_maps.log"),
    benchmark:
        benchmarks("plot_maps.tsv")
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_maps.py"


rule plot_structure:
    """Figs. 8, 10, 11: the log-age map, Delta_Sigma with v_R and the arms, young and old stars."""
    input:
        logage=map_file("logage", AGE_SPAXEL_PC),
        contrast=results("maps/density_contrast.parquet"),
        vr=map_file("vR"),
        young=map_file("density_young"),
        old=map_file("density_old"),
        arms="src/hotstars/data/reid2019_table2_arm_parameters.csv",
        code=imports_of("plot_structure"),
    output:
        fig08_logage=figure("fig08_logage", "Fig. 8"),
        fig10_contrast=figure("fig10_contrast", "Fig. 10"),
        fig11_young_old=figure("fig11_young_old", "Fig. 11"),
    params:
        dpi=config["figures"]["dpi"],
        frame=config["frame"],
        levels=config["contrast"]["levels"],
    log:
        logs("plot_structure.log"),
    benchmark:
        benchmarks("plot_structure.tsv")
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_structure.py"


rule fig09_clusters:
    """Fig. 9: cluster ages from hot members against Hunt & Reffert 2023 and Cantat-Gaudin 2020."""
    input:
        h23=results("validation/clusters_h23.parquet"),
        cg20=results("validation/clusters_cg20.parquet"),
        code=imports_of("fig09_clusters"),
    output:
        png=figure("fig09_clusters", "Fig. 9"),
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


rule fig12_auriga:
    """Fig. 12: density and mean v_R of young and old stars of the Auriga mock."""
    input:
        young_density=results(f"comparisons/auriga_young_density_{SPAXEL_PC}pc.parquet"),
        young_vR=results(f"comparisons/auriga_young_vR_{SPAXEL_PC}pc.parquet"),
        old_density=results(f"comparisons/auriga_old_density_{SPAXEL_PC}pc.parquet"),
        old_vR=results(f"comparisons/auriga_old_vR_{SPAXEL_PC}pc.parquet"),
        code=imports_of("fig12_auriga"),
    output:
        png=figure("fig12_auriga", "Fig. 12"),
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


rule plot_apogee:
    """Figs. 13, D.1, B.1 (APOGEE): HSS and APOGEE mean v_R, the Toomre diagram, the errors."""
    input:
        vr_fig13=results(f"comparisons/apogee_vR_fig13_{APOGEE_SPAXEL_PC}pc.parquet"),
        vr=results(f"comparisons/apogee_vR_{SPAXEL_PC}pc.parquet"),
        stars=results("comparisons/apogee_giants.parquet"),
        hss_vr=map_file("vR"),
        code=imports_of("plot_apogee"),
    output:
        fig13_apogee=figure("fig13_apogee", "Fig. 13"),
        figD1_toomre=figure("figD1_toomre", "Fig. D.1"),
        figB1_apogee=figure("figB1_apogee", "Fig. B.1 (APOGEE)"),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["comparisons"]["apogee"]["frame"]["r_sun_kpc"],
        hss_r_sun_kpc=config["frame"]["r_sun_kpc"],
        r_mask_kpc=config["comparisons"]["apogee"]["r_mask_kpc"],
        max_err_kms=config["comparisons"]["apogee"]["max_err_kms"],
        min_stars=config["maps"]["min_stars"],
        vmax_kms=config["comparisons"]["apogee"]["vmax_kms"],
        toomre_v_kms=config["comparisons"]["giants"]["toomre_v_kms"],
        toomre_uw_max_kms=config["comparisons"]["giants"]["toomre_uw_max_kms"],
    log:
        logs("plot_apogee.log"),
    benchmark:
        benchmarks("plot_apogee.tsv")
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_apogee.py"


rule plot_d23:
    """Figs. A.1, A.2: the D23 stars in the selection diagrams and in the Galactic plane."""
    input:
        d23_stars=results("comparisons/d23_stars.parquet"),
        targets=results("sample/targets.parquet"),
        code=imports_of("plot_d23"),
    output:
        figA1_d23_selection=figure("figA1_d23_selection", "Fig. A.1"),
        figA2_d23_plane=figure("figA2_d23_plane", "Fig. A.2"),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["frame"]["r_sun_kpc"],
        bin_kpc=config["comparisons"]["d23"]["plane_bin_kpc"],
    log:
        logs("plot_d23.log"),
    benchmark:
        benchmarks("plot_d23.tsv")
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_d23.py"


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
