# The MIST isochrone grid: ages and the mock survey use it. One file shared by every run, named
# by a digest of its settings (resources/isochrones/grid_<digest>.parquet).


rule build_isochrone_grid:
    """MIST v1.2 (vvcrit 0.4) on the paper's log-age x [Fe/H] grid, with M_Ks and dm per point."""
    input:
        mist=PLAN.mist_files(),
        code=imports_of("build_isochrone_grid"),
        bc_table="src/hotstars/data/parsec_v1.2S_ybc_bc_table.csv.gz",
    output:
        grid=PLAN.isochrone_grid,
    params:
        log_age=config["isochrones"]["log_age"],
        feh=config["isochrones"]["feh"],
        mist_files=PLAN.mist_files(),
    log:
        logs("build_isochrone_grid.log"),
    benchmark:
        benchmarks("build_isochrone_grid.tsv")
    priority: CRITICAL_PATH
    resources:
        mem_mb=3000,
        runtime=10,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/build_isochrone_grid.py"
