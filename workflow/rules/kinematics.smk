# 6D Galactocentric kinematics with propagated uncertainties (paper Sec. 3.1).

if PLAN.uses_vac:

    rule vac_kinematics_inputs:
        """Kinematics inputs from the published DR20 VAC (ob_vac-1.0.0.fits): the sample stage is skipped."""
        input:
            vac=PLAN.inputs["vac"],
            code=imports_of("vac_kinematics_inputs"),
        output:
            inputs=results("kinematics/inputs.parquet"),
        log:
            logs("vac_kinematics_inputs.log"),
        benchmark:
            benchmarks("vac_kinematics_inputs.tsv")
        priority: CRITICAL_PATH
        resources:
            mem_mb=2000,
            runtime=5,
        conda:
            "../../envs/science.yaml"
        script:
            "../../scripts/vac_kinematics_inputs.py"

else:

    rule kinematics_inputs:
        """Kinematics inputs from the HSS and the averaged velocities (sigma_d = (r_hi - r_lo)/2)."""
        input:
            hss=results("sample/hss.parquet"),
            vlos=results("rv/vlos.parquet"),
            code=imports_of("kinematics_inputs"),
        output:
            inputs=results("kinematics/inputs.parquet"),
        log:
            logs("kinematics_inputs.log"),
        benchmark:
            benchmarks("kinematics_inputs.tsv")
        priority: CRITICAL_PATH
        resources:
            mem_mb=2000,
            runtime=5,
        conda:
            "../../envs/science.yaml"
        script:
            "../../scripts/kinematics_inputs.py"


rule compute_kinematics:
    """X, Y, Z, R, phi, v_R, v_phi, v_z and their errors (full covariance, linear propagation)."""
    input:
        inputs=results("kinematics/inputs.parquet"),
        code=imports_of("compute_kinematics"),
    output:
        kinematics=results("kinematics/kinematics.parquet"),
    params:
        frame=config["frame"],
    log:
        logs("compute_kinematics.log"),
    benchmark:
        benchmarks("compute_kinematics.tsv")
    priority: CRITICAL_PATH
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/compute_kinematics.py"


rule flag_vphi_window:
    """Flag stars inside the v_phi window (Fig. 6); a product of its own so the window never reruns kinematics."""
    input:
        kinematics=results("kinematics/kinematics.parquet"),
        code=imports_of("flag_vphi_window"),
    output:
        flags=results("kinematics/vphi_window.parquet"),
    params:
        window=config["kinematics"]["vphi_window_kms"],
    log:
        logs("flag_vphi_window.log"),
    benchmark:
        benchmarks("flag_vphi_window.tsv")
    priority: CRITICAL_PATH
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/flag_vphi_window.py"
