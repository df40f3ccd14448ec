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


rule simulate_cluster_catalogues:
    """The mock's clusters as Hunt & Reffert 2023 and Cantat-Gaudin et al. 2020 tables (published columns)."""
    input:
        truth=MOCK_FILES["truth"],
        targets="results/sample/targets.parquet",
        code=lib("clusters", "tables"),
    output:
        h23_members=MOCK_CLUSTER_FILES[("h23", "members")],
        h23_clusters=MOCK_CLUSTER_FILES[("h23", "clusters")],
        cg20_members=MOCK_CLUSTER_FILES[("cg20", "members")],
        cg20_clusters=MOCK_CLUSTER_FILES[("cg20", "clusters")],
    params:
        seed=config["mock"]["seed"],
    log:
        "results/logs/simulate_cluster_catalogues.log",
    benchmark:
        "results/benchmarks/simulate_cluster_catalogues.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/simulate_cluster_catalogues.py"


rule simulate_side_catalogues:
    """ALS-III-like and D23-like catalogues of the mock Galaxy (D23 with its Gaia rows)."""
    input:
        targets="results/sample/targets.parquet",
        truth=MOCK_FILES["truth"],
        grid="resources/isochrones/grid.parquet",
        code=lib("crossmatch", "mock", "tables"),
    output:
        als3=MOCK_SIDE_FILES["als3"],
        d23=MOCK_SIDE_FILES["d23"],
        d23_gaia=MOCK_SIDE_FILES["d23_gaia"],
    params:
        seed=config["mock"]["seed"],
        frame=config["mock"]["frame"],
        physics=config["mock"]["physics"],
        options={},
    log:
        "results/logs/simulate_side_catalogues.log",
    benchmark:
        "results/benchmarks/simulate_side_catalogues.tsv"
    resources:
        mem_mb=3000,
        runtime=10,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/simulate_side_catalogues.py"


rule simulate_auriga:
    """A small Auriga "aurigaia"-format HDF5 file set of a barred, two-armed toy galaxy (Fig. 12)."""
    input:
        code=lib("auriga", "frame"),
    output:
        folder=directory(MOCK_AURIGA),
    params:
        seed=config["mock"]["seed"],
        frame=config["mock"]["frame"],
        n_young=config["mock"]["auriga"]["n_young"],
        n_old=config["mock"]["auriga"]["n_old"],
        n_files=config["mock"]["auriga"]["n_files"],
        bar_angle_deg=config["mock"]["auriga"]["bar_angle_deg"],
    log:
        "results/logs/simulate_auriga.log",
    benchmark:
        "results/benchmarks/simulate_auriga.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/simulate_auriga.py"


rule simulate_apogee:
    """An APOGEE DR17 astroNN-format file of old giants (Fig. 13, D.1)."""
    input:
        code=lib("apogee"),
    output:
        fits=MOCK_APOGEE,
    params:
        seed=config["mock"]["seed"],
        n_stars=config["mock"]["apogee"]["n_stars"],
    log:
        "results/logs/simulate_apogee.log",
    benchmark:
        "results/benchmarks/simulate_apogee.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/simulate_apogee.py"
