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

