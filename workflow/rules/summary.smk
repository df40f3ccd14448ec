# The paper's headline numbers beside ours.


rule summary:
    """results/summary.json: every number of PAPER.md computed so far, beside the paper's value."""
    input:
        unpack(summary_inputs),
        code=lib("summary", "selection", "crossmatch", "tables"),
    output:
        json=report(
            "results/summary.json",
            caption="../report/summary.rst",
            category="Numbers",
            labels={"table": "summary.json"},
        ),
    params:
        teff_classes=config["sample"]["teff_classes_k"],
        young_max_myr=config["ages"]["young_max_myr"],
        old_min_myr=config["ages"]["old_min_myr"],
        source=data_source(),
    log:
        "results/logs/summary.log",
    benchmark:
        "results/benchmarks/summary.tsv"
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/summary.py"
