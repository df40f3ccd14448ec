# The truth check: what the pipeline recovers from the mock survey against what was injected.


rule injection_recovery:
    """Recovered mean v_R per spaxel and per-star v_R against the mock's truth: bias, chi2/dof, coverage."""
    input:
        vr_map=map_files("vR"),
        kinematics="results/kinematics/kinematics.parquet",
        flags="results/kinematics/vphi_window.parquet",
        truth=MOCK_FILES["truth"],
        code=lib("validation", "maps", "tables"),
    output:
        json=report(
            "results/validation/injection_recovery.json",
            caption="../report/injection_recovery.rst",
            category="Validation",
            labels={"table": "injection-recovery"},
        ),
    params:
        spaxel_pc=SPAXEL_PC,
        min_stars=config["maps"]["min_stars"],
        z_max_kpc=config["maps"]["z_max_kpc"],
        sigma_max=config["maps"]["sigma_max_kms"],
        seed=config["validation"]["seed"],
    log:
        "results/logs/injection_recovery.log",
    benchmark:
        "results/benchmarks/injection_recovery.tsv"
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/injection_recovery.py"
