# Open-cluster age validation (paper Sec. 3.2, Fig. 9): H23 and CG20 clusters against their hot
# members' age posteriors.


rule cluster_validation:
    """Cluster ages from their hot members' posteriors against the {wildcards.catalogue} catalogue."""
    input:
        unpack(lambda wildcards: PLAN.cluster_inputs(wildcards.catalogue)),
        ages=results("ages/ages.parquet"),
        posteriors=results("ages/posteriors.parquet"),
        hss=results("sample/hss.parquet"),
        code=imports_of("cluster_validation"),
    output:
        table=results("validation/clusters_{catalogue}.parquet"),
    params:
        catalogue=lambda wildcards: wildcards.catalogue,
        min_prob=lambda wildcards: config["clusters"][f"{wildcards.catalogue}_min_prob"],
        min_hot_members=config["clusters"]["min_hot_members"],
        max_width=config["clusters"]["max_posterior_width_dex"],
        age_prior=config["ages"]["age_prior"],
    log:
        logs("cluster_validation_{catalogue}.log"),
    benchmark:
        benchmarks("cluster_validation_{catalogue}.tsv")
    resources:
        mem_mb=2000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/cluster_validation.py"
