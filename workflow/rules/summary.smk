# The paper's headline numbers beside ours.


rule summary:
    """summary.json: every headline number of the paper we reproduce, beside the paper's value."""
    input:
        **PLAN.summary_inputs(),
        code=imports_of("summary"),
    output:
        json=results("summary.json"),
    params:
        teff_classes=config["sample"]["teff_classes_k"],
        young_max_myr=config["ages"]["young_max_myr"],
        old_min_myr=config["ages"]["old_min_myr"],
        source=PLAN.data_source(),
        parts_not_made=PLAN.parts_not_made(),
    log:
        logs("summary.log"),
    benchmark:
        benchmarks("summary.tsv")
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/summary.py"


# The tables of the report (`snakemake --report results/<run>/report.html`), as HTML pages: the report
# shows HTML in place, while CSV/JSON results are only offered for download.


rule summary_table:
    """summary.json as a table: each number beside the paper's, with unit, difference and reference."""
    input:
        summary=results("summary.json"),
        code=imports_of("summary_table"),
    output:
        html=report(
            results("tables/summary.html"),
            caption="../report/summary.rst",
            category="Tables",
            labels={"table": "numbers beside the paper's (summary.json)"},
        ),
    log:
        logs("summary_table.log"),
    benchmark:
        benchmarks("summary_table.tsv")
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/summary_table.py"


rule cutflow_table:
    """The HSS cut-flow (Fig. 2 counts) as a table beside the paper's counts."""
    input:
        cutflow=results("sample/cutflow.csv"),
        code=imports_of("cutflow_table"),
    output:
        html=report(
            results("tables/cutflow.html"),
            caption="../report/cutflow.rst",
            category="Tables",
            labels={"table": "cut-flow (Fig. 2)"},
        ),
    params:
        source=PLAN.data_source(),
    log:
        logs("cutflow_table.log"),
    benchmark:
        benchmarks("cutflow_table.tsv")
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/cutflow_table.py"


rule crossmatch_table:
    """Table 1 (ALS-III) and the D23 overlap as tables beside the paper's numbers."""
    input:
        table1=results("comparisons/table1_als3.csv"),
        d23=results("comparisons/d23_overlap.json"),
        code=imports_of("crossmatch_table"),
    output:
        html=report(
            results("tables/crossmatch.html"),
            caption="../report/crossmatch.rst",
            category="Tables",
            labels={"table": "Table 1 (ALS-III) and D23 cross-matches"},
        ),
    params:
        source=PLAN.data_source(),
        radius_arcsec=config["comparisons"]["als3"]["radius_arcsec"],
    log:
        logs("crossmatch_table.log"),
    benchmark:
        benchmarks("crossmatch_table.tsv")
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/science.yaml"
    script:
        "../../scripts/crossmatch_table.py"
