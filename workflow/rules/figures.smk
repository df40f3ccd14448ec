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
