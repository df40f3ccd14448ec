# Figures (plotting only: changing a figure never reruns the science).


rule fig01_sky:
    """Fig. 1: all observed targets and the HSS in Galactic coordinates."""
    input:
        targets="results/sample/targets.parquet",
        hss="results/sample/hss.parquet",
        code=lib("plotting"),
    output:
        png=report(
            "results/figures/fig01_sky.png",
            caption="../report/fig01_sky.rst",
            category="Figures",
            labels={"figure": "Fig. 1"},
        ),
    params:
        dpi=config["figures"]["dpi"],
    log:
        "results/logs/fig01_sky.log",
    benchmark:
        "results/benchmarks/fig01_sky.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_fig01_sky.py"


rule fig02_cutflow:
    """Fig. 2: the cut-flow of the HSS with spectra and star counts."""
    input:
        cutflow="results/sample/cutflow.csv",
        code=lib("plotting"),
    output:
        png=report(
            "results/figures/fig02_cutflow.png",
            caption="../report/fig02_cutflow.rst",
            category="Figures",
            labels={"figure": "Fig. 2"},
        ),
    params:
        dpi=config["figures"]["dpi"],
    log:
        "results/logs/fig02_cutflow.log",
    benchmark:
        "results/benchmarks/fig02_cutflow.tsv"
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_fig02_cutflow.py"


rule fig04_kiel:
    """Fig. 4: Kiel diagram of the quality-cut targets and of the HSS."""
    input:
        flags="results/sample/target_flags.parquet",
        code=lib("plotting"),
    output:
        png=report(
            "results/figures/fig04_kiel.png",
            caption="../report/fig04_kiel.rst",
            category="Figures",
            labels={"figure": "Fig. 4"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        teff_lines_k=config["figures"]["kiel_teff_lines_k"],
    log:
        "results/logs/fig04_kiel.log",
    benchmark:
        "results/benchmarks/fig04_kiel.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_fig04_kiel.py"


rule fig06_vphi:
    """Fig. 6: v_phi against R with the v_phi window."""
    input:
        kinematics="results/kinematics/kinematics.parquet",
        flags="results/kinematics/vphi_window.parquet",
        code=lib("plotting"),
    output:
        png=report(
            "results/figures/fig06_vphi.png",
            caption="../report/fig06_vphi.rst",
            category="Figures",
            labels={"figure": "Fig. 6"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        window=config["kinematics"]["vphi_window_kms"],
    log:
        "results/logs/fig06_vphi.log",
    benchmark:
        "results/benchmarks/fig06_vphi.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_fig06_vphi.py"


rule fig07_maps:
    """Fig. 7: density and mean v_R maps in the Galactic plane."""
    input:
        density=map_files("density"),
        vr=map_files("vR"),
        code=lib("plotting"),
    output:
        png=report(
            "results/figures/fig07_maps.png",
            caption="../report/fig07_maps.rst",
            category="Figures",
            labels={"figure": "Fig. 7"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["frame"]["r_sun_kpc"],
    log:
        "results/logs/fig07_maps.log",
    benchmark:
        "results/benchmarks/fig07_maps.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_fig07_maps.py"


rule figB1_maps:
    """Fig. B.1: sigma_R and the error of mean v_R per spaxel."""
    input:
        vr=map_files("vR"),
        code=lib("plotting"),
    output:
        png=report(
            "results/figures/figB1_maps.png",
            caption="../report/figB1_maps.rst",
            category="Figures",
            labels={"figure": "Fig. B.1"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["frame"]["r_sun_kpc"],
    log:
        "results/logs/figB1_maps.log",
    benchmark:
        "results/benchmarks/figB1_maps.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_figB1_maps.py"


rule plot_vr_recovery:
    """Validation figure: recovered against injected mean v_R per spaxel (mock only)."""
    input:
        vr_map=map_files("vR"),
        kinematics="results/kinematics/kinematics.parquet",
        flags="results/kinematics/vphi_window.parquet",
        truth=MOCK_FILES["truth"],
        code=lib("plotting", "validation", "maps"),
    output:
        png=report(
            "results/figures/validation_vR_recovery.png",
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
        "results/logs/plot_vr_recovery.log",
    benchmark:
        "results/benchmarks/plot_vr_recovery.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_vr_recovery.py"


rule fig08_logage:
    """Fig. 8: mean log-age per spaxel."""
    input:
        logage=map_files("logage", AGE_SPAXEL_PC),
        code=lib("plotting"),
    output:
        png=report(
            "results/figures/fig08_logage.png",
            caption="../report/fig08_logage.rst",
            category="Figures",
            labels={"figure": "Fig. 8"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["frame"]["r_sun_kpc"],
    log:
        "results/logs/fig08_logage.log",
    benchmark:
        "results/benchmarks/fig08_logage.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_fig08_logage.py"


rule fig09_clusters:
    """Fig. 9: cluster ages from hot members against Hunt & Reffert 2023 and Cantat-Gaudin 2020."""
    input:
        h23="results/validation/clusters_h23.parquet",
        cg20="results/validation/clusters_cg20.parquet",
        code=lib("plotting"),
    output:
        png=report(
            "results/figures/fig09_clusters.png",
            caption="../report/fig09_clusters.rst",
            category="Figures",
            labels={"figure": "Fig. 9"},
        ),
    params:
        dpi=config["figures"]["dpi"],
    log:
        "results/logs/fig09_clusters.log",
    benchmark:
        "results/benchmarks/fig09_clusters.tsv"
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_fig09_clusters.py"


rule fig11_young_old:
    """Fig. 11: density of young (< 30 Myr) and older (> 150 Myr) hot stars, Delta_Sigma contours, OB associations."""
    input:
        young=map_files("density_young"),
        old=map_files("density_old"),
        contrast="results/maps/density_contrast.parquet",
        code=lib("plots_structure", "associations", "plotting"),
    output:
        png=report(
            "results/figures/fig11_young_old.png",
            caption="../report/fig11_young_old.rst",
            category="Figures",
            labels={"figure": "Fig. 11"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        frame=config["frame"],
        levels=config["contrast"]["levels"],
    log:
        "results/logs/fig11_young_old.log",
    benchmark:
        "results/benchmarks/fig11_young_old.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_fig11_young_old_contours.py"


rule plot_age_recovery:
    """Validation figure: recovered against true ages of the mock stars."""
    input:
        ages="results/ages/ages.parquet",
        truth=MOCK_FILES["truth"],
        code=lib("plotting", "validation"),
    output:
        png=report(
            "results/figures/validation_age_recovery.png",
            caption="../report/age_recovery.rst",
            category="Validation",
            labels={"figure": "age injection-recovery"},
        ),
    params:
        dpi=config["figures"]["dpi"],
    log:
        "results/logs/plot_age_recovery.log",
    benchmark:
        "results/benchmarks/plot_age_recovery.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_age_recovery.py"


rule figB1_apogee:
    """Fig. B.1, APOGEE row: sigma_R and the error of mean v_R of the astroNN giants."""
    input:
        vr=f"results/comparisons/apogee_vR_{SPAXEL_PC}pc.parquet",
        code=lib("plotting"),
    output:
        png=report(
            "results/figures/figB1_apogee.png",
            caption="../report/figB1_apogee.rst",
            category="Figures",
            labels={"figure": "Fig. B.1 (APOGEE)"},
        ),
    params:
        dpi=config["figures"]["dpi"],
        r_sun_kpc=config["comparisons"]["apogee"]["frame"]["r_sun_kpc"],
    log:
        "results/logs/figB1_apogee.log",
    benchmark:
        "results/benchmarks/figB1_apogee.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/plotting.yaml"
    script:
        "../../scripts/plot_figB1_maps.py"
