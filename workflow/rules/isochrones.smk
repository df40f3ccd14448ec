# The MIST isochrone grid product (DESIGN.md §6): ages, the mock survey and the Kiel diagram use it.


rule build_isochrone_grid:
    """MIST v1.2 (vvcrit 0.4) on the paper's log-age x [Fe/H] grid, with M_Ks and dm per point."""
    input:
        mist=mist_files(),
        code=lib("isochrones", "tables"),
        bc_table="src/hotstars/data/parsec_v1.2S_ybc_bc_table.csv.gz",
    output:
        grid="resources/isochrones/grid.parquet",
    params:
        log_age=config["isochrones"]["log_age"],
        feh=config["isochrones"]["feh"],
        mist_files=mist_files(),
    log:
        "results/logs/build_isochrone_grid.log",
    benchmark:
        "results/benchmarks/build_isochrone_grid.tsv"
    resources:
        mem_mb=3000,
        runtime=10,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/build_isochrone_grid.py"
