# The built-in mock Galaxy survey (DESIGN.md §4): the default input and the test oracle.

if use_mock():
    check_mock_physics()


rule simulate_survey:
    """Write spAll-, BOSS Net-, Gaia-, Bailer-Jones- and 2MASS-like files and the truth table."""
    input:
        grid="resources/isochrones/grid.parquet",
        code=lib("mock", "binaries", "frame", "tables"),
    output:
        spall=MOCK_FILES["spall"],
        bossnet=MOCK_FILES["bossnet"],
        gaia=MOCK_FILES["gaia"],
        distances=MOCK_FILES["distances"],
        tmass=MOCK_FILES["tmass"],
        truth=MOCK_FILES["truth"],
    params:
        n_targets=lambda wildcards: mock_preset()["n_targets"],
        seed=config["mock"]["seed"],
        physics=config["mock"]["physics"],
        frame=config["mock"]["frame"],
    log:
        "results/logs/simulate_survey.log",
    benchmark:
        "results/benchmarks/simulate_survey.tsv"
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/simulate_survey.py"
