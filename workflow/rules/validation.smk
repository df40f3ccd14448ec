# The truth check: what the pipeline recovers from the mock survey against what was injected.


rule vr_recovery:
    """Recovered mean v_R per spaxel and per-star v_R against the mock's truth: bias, chi2/dof, coverage."""
    input:
        vr_map=map_file("vR"),
        field=results("maps/vR_field.parquet"),
        kinematics=results("kinematics/kinematics.parquet"),
        flags=results("kinematics/vphi_window.parquet"),
        truth=mock_file("truth"),
        code=imports_of("vr_recovery"),
    output:
        json=results("validation/vr_recovery.json"),
    params:
        spaxel_pc=SPAXEL_PC,
        min_stars=config["maps"]["min_stars"],
        z_max_kpc=config["maps"]["z_max_kpc"],
        sigma_max=config["maps"]["sigma_max_kms"],
        seed=config["validation"]["seed"],
    log:
        logs("vr_recovery.log"),
    benchmark:
        benchmarks("vr_recovery.tsv")
    priority: CRITICAL_PATH
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/vr_recovery.py"


rule age_recovery:
    """Recovered ages against the mock's true ages, per true-age bin: bias and [p16, p84] coverage."""
    input:
        ages=results("ages/ages.parquet"),
        truth=mock_file("truth"),
        code=imports_of("age_recovery"),
    output:
        json=results("validation/age_recovery.json"),
    log:
        logs("age_recovery.log"),
    benchmark:
        benchmarks("age_recovery.tsv")
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/age_recovery.py"


rule injection_recovery:
    """validation/injection_recovery.json: every truth check of the mock in one file."""
    input:
        vr=results("validation/vr_recovery.json"),
        ages=results("validation/age_recovery.json"),
        code=imports_of("injection_recovery"),
    output:
        json=report(
            results("validation/injection_recovery.json"),
            caption="../report/injection_recovery.rst",
            category="Validation",
            labels={"table": "injection-recovery"},
        ),
    log:
        logs("injection_recovery.log"),
    benchmark:
        benchmarks("injection_recovery.tsv")
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/injection_recovery.py"
