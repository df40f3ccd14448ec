# Ingestion of the five survey inputs and the Hot Star Sample (paper Sec. 2, Fig. 2).


rule ingest:
    """Read and check the survey inputs; join spectra (spAll x BOSS Net) and targets (Gaia x BJ x 2MASS)."""
    input:
        spall=survey_input("spall"),
        bossnet=survey_input("bossnet"),
        gaia=survey_input("gaia"),
        distances=survey_input("distances"),
        tmass=survey_input("tmass"),
        code=imports_of("ingest"),
    output:
        spectra=results("sample/spectra.parquet"),
        targets=results("sample/targets.parquet"),
    params:
        program=config["sample"]["program"],
        mjd_max=config["sample"]["mjd_max"],
        repeated_spectra=config["sample"]["repeated_spectra"],
        min_join_fraction=config["sample"]["min_join_fraction"],
        spall_hdu=PLAN.inputs["spall_hdu"],
        bossnet_hdu=PLAN.inputs["bossnet_hdu"],
    log:
        logs("ingest.log"),
    benchmark:
        benchmarks("ingest.tsv")
    priority: CRITICAL_PATH
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/ingest.py"


rule select_hss:
    """The HSS cuts with their cut-flow: SNR, parallax precision, RUWE, BOSS Net Teff, distance."""
    input:
        spectra=results("sample/spectra.parquet"),
        targets=results("sample/targets.parquet"),
        code=imports_of("select_hss"),
    output:
        flags=results("sample/target_flags.parquet"),
        hss=results("sample/hss.parquet"),
        hss_spectra=results("sample/hss_spectra.parquet"),
        cutflow=results("sample/cutflow.csv"),
    params:
        cuts={
            k: config["sample"][k]
            for k in ("snr_min", "parallax_rel_error_max", "ruwe_max", "teff_min_k")
        },
        mjd_max=config["sample"]["mjd_max"],
    log:
        logs("select_hss.log"),
    benchmark:
        benchmarks("select_hss.tsv")
    priority: CRITICAL_PATH
    resources:
        mem_mb=3000,
        runtime=10,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/select_hss.py"
