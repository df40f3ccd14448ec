# Line-of-sight velocities (paper Sec. 2.3).


rule average_vlos:
    """XCSAO if RXC > 6 else BOSS Net per spectrum; epoch mean per star, std/sqrt(N) with a floor."""
    input:
        hss_spectra=results("sample/hss_spectra.parquet"),
        code=imports_of("average_vlos"),
    output:
        vlos=results("rv/vlos.parquet"),
    params:
        rxc_min=config["rv"]["rxc_min"],
        error_floor=config["rv"]["error_floor"],
    log:
        logs("average_vlos.log"),
    benchmark:
        benchmarks("average_vlos.tsv")
    priority: CRITICAL_PATH
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/average_vlos.py"
