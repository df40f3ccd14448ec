# Real data files (config `data`, e.g. config/dr20.yaml). A missing data file the run reads stops
# it before any job (common.smk) with one message listing every missing file and its source,
# unless data.download is true and the file is on the SDSS SAS: then it is an output of
# `download`, fetched over HTTP(S) (resumable, checksums verified).
import re


if DOWNLOADS:

    localrules:
        download,

    rule download:
        """Fetch an SDSS SAS file into data.dir (resumes a .part file; verifies checksums)."""
        input:
            code=ancient(imports_of("download")),  # a library edit does not fetch again
        output:
            f"{PLAN.data_dir}/{{name}}",
        params:
            file=lambda wildcards: vars(DOWNLOADS[wildcards.name]),
        wildcard_constraints:
            name="|".join(re.escape(name) for name in DOWNLOADS),
        log:
            logs("download/{name}.log"),
        benchmark:
            benchmarks("download/{name}.tsv")
        resources:
            mem_mb=500,
            runtime=240,
        conda:
            "../../envs/download.yaml"
        script:
            "../../scripts/download.py"
