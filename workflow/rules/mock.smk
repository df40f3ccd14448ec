# The built-in mock Galaxy survey: the default input and the test oracle. Its files, in the real
# formats, go to results/<run>/inputs/ (hotstars.workflow.plan.MOCK_FILES).


rule simulate_survey:
    """Write spAll-, BOSS Net-, Gaia-, Bailer-Jones- and 2MASS-like files, the OB target sample and the truth."""
    input:
        grid=PLAN.isochrone_grid,
        code=imports_of("simulate_survey"),
    output:
        spall=mock_file("spall"),
        bossnet=mock_file("bossnet"),
        gaia=mock_file("gaia"),
        distances=mock_file("distances"),
        tmass=mock_file("tmass"),
        truth=mock_file("truth"),
        ob_sample=mock_file("ob_sample"),
    params:
        n_targets=config["mock"]["presets"][config["mock"]["preset"]]["n_targets"],
        seed=config["mock"]["seed"],
        physics=config["mock"]["physics"],
        frame=config["mock"]["frame"],
    log:
        logs("simulate_survey.log"),
    benchmark:
        benchmarks("simulate_survey.tsv")
    # batches of stars drawn side by side (the tables do not depend on the number)
    threads: MOCK_THREADS
    priority: CRITICAL_PATH
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
        truth=mock_file("truth"),
        targets=results("sample/targets.parquet"),
        code=imports_of("simulate_cluster_catalogues"),
    output:
        h23_members=mock_file("clusters_h23_members"),
        h23_clusters=mock_file("clusters_h23_clusters"),
        cg20_members=mock_file("clusters_cg20_members"),
        cg20_clusters=mock_file("clusters_cg20_clusters"),
    params:
        seed=config["mock"]["seed"],
    log:
        logs("simulate_cluster_catalogues.log"),
    benchmark:
        benchmarks("simulate_cluster_catalogues.tsv")
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
        # the mock's own target files, not the pipeline's reading of them (runs beside ingest)
        gaia=mock_file("gaia"),
        tmass=mock_file("tmass"),
        distances=mock_file("distances"),
        truth=mock_file("truth"),
        grid=PLAN.isochrone_grid,
        code=imports_of("simulate_side_catalogues"),
    output:
        als3=mock_file("als3"),
        d23=mock_file("d23"),
        d23_gaia=mock_file("d23_gaia"),
    params:
        seed=config["mock"]["seed"],
        frame=config["mock"]["frame"],
        physics=config["mock"]["physics"],
        options={},
    log:
        logs("simulate_side_catalogues.log"),
    benchmark:
        benchmarks("simulate_side_catalogues.tsv")
    threads: SIDE_THREADS
    priority: CRITICAL_PATH
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
        code=imports_of("simulate_auriga"),
    output:
        folder=directory(mock_file("auriga")),
    params:
        seed=config["mock"]["seed"],
        frame=config["mock"]["frame"],
        n_young=config["mock"]["auriga"]["n_young"],
        n_old=config["mock"]["auriga"]["n_old"],
        n_files=config["mock"]["auriga"]["n_files"],
        bar_angle_deg=config["mock"]["auriga"]["bar_angle_deg"],
    log:
        logs("simulate_auriga.log"),
    benchmark:
        benchmarks("simulate_auriga.tsv")
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
        code=imports_of("simulate_apogee"),
    output:
        fits=mock_file("apogee"),
    params:
        seed=config["mock"]["seed"],
        n_stars=config["mock"]["apogee"]["n_stars"],
    log:
        logs("simulate_apogee.log"),
    benchmark:
        benchmarks("simulate_apogee.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/simulate_apogee.py"
