# Spaxel maps: density, and mean v_R / sigma_R by the Eq. 4 maximum likelihood (Sec. 3.1, App. B).


rule build_maps:
    """Density and v_R maps at a spaxel size of {size} pc (only spaxels with >= maps.min_stars in the v_R map)."""
    input:
        kinematics=results("kinematics/kinematics.parquet"),
        flags=results("kinematics/vphi_window.parquet"),
        code=imports_of("build_maps"),
    output:
        density=results("maps/density_{size}pc.parquet"),
        vr=results("maps/vR_{size}pc.parquet"),
    params:
        spaxel_pc=lambda wildcards: int(wildcards.size),
        min_stars=config["maps"]["min_stars"],
        z_max_kpc=config["maps"]["z_max_kpc"],
        sigma_max=config["maps"]["sigma_max_kms"],
    log:
        logs("build_maps_{size}pc.log"),
    benchmark:
        benchmarks("build_maps_{size}pc.tsv")
    priority: CRITICAL_PATH
    resources:
        mem_mb=3000,
        runtime=10,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/build_maps.py"


rule vr_field:
    """Continuous mean v_R field on a fine grid from every map star (kernel-weighted Eq. 4, block-jackknife errors)."""
    input:
        kinematics=results("kinematics/kinematics.parquet"),
        flags=results("kinematics/vphi_window.parquet"),
        code=imports_of("vr_field"),
    output:
        field=results("maps/vR_field.parquet"),
    params:
        settings=config["vr_field"],
        z_max_kpc=config["maps"]["z_max_kpc"],
        sigma_max=config["maps"]["sigma_max_kms"],
    log:
        logs("vr_field.log"),
    benchmark:
        benchmarks("vr_field.tsv")
    priority: CRITICAL_PATH
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/vr_field.py"
