# Bayesian isochrone ages (paper Sec. 3.2, Eq. 5-14), sharded; age maps.


rule compute_ages:
    """Age posteriors f(tau) of one shard of HSS stars (index % n == i on the source_id order)."""
    input:
        hss=results("sample/hss.parquet"),
        kinematics=results("kinematics/kinematics.parquet"),
        grid=PLAN.isochrone_grid,
        code=imports_of("compute_ages"),
    output:
        ages=temp(results("ages/shards/ages_{scatteritem}.parquet")),
        posteriors=temp(results("ages/shards/posteriors_{scatteritem}.parquet")),
    params:
        shard=lambda wildcards: int(wildcards.scatteritem.split("-of-")[0]) - 1,
        n_shards=config["ages"]["shards"],
        log_age=config["ages"]["log_age"],
        priors={
            k: config["ages"][k] for k in ("age_prior", "imf_exponent", "metallicity_prior")
        },
        extinction_column=config["ages"]["extinction_column"],
        window_sigma=config["ages"]["window_sigma"],
    log:
        logs("compute_ages_{scatteritem}.log"),
    benchmark:
        benchmarks("compute_ages_{scatteritem}.tsv")
    threads: 1
    priority: CRITICAL_PATH
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/compute_ages.py"


rule gather_ages:
    """ages.parquet (percentiles, errors, flags) and posteriors.parquet (f(tau) on the grid)."""
    input:
        ages=gather.age_shards(results("ages/shards/ages_{scatteritem}.parquet")),
        posteriors=gather.age_shards(results("ages/shards/posteriors_{scatteritem}.parquet")),
        code=imports_of("gather_ages"),
    output:
        ages=results("ages/ages.parquet"),
        posteriors=results("ages/posteriors.parquet"),
    log:
        logs("gather_ages.log"),
    benchmark:
        benchmarks("gather_ages.tsv")
    priority: CRITICAL_PATH
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/gather_ages.py"


rule build_age_maps:
    """Mean log-age per spaxel (Fig. 8) and densities of young and old stars (Fig. 11)."""
    input:
        ages=results("ages/ages.parquet"),
        kinematics=results("kinematics/kinematics.parquet"),
        flags=results("kinematics/vphi_window.parquet"),
        code=imports_of("build_age_maps"),
    output:
        logage=map_file("logage", AGE_SPAXEL_PC),
        young=map_file("density_young"),
        old=map_file("density_old"),
    params:
        spaxel_pc=AGE_SPAXEL_PC,
        density_spaxel_pc=SPAXEL_PC,
        min_stars=config["maps"]["min_stars"],
        young_max_myr=config["ages"]["young_max_myr"],
        old_min_myr=config["ages"]["old_min_myr"],
        z_max_kpc=config["maps"]["z_max_kpc"],
    log:
        logs("build_age_maps.log"),
    benchmark:
        benchmarks("build_age_maps.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/build_age_maps.py"
