# Real data files (config `data`, e.g. config/dr20.yaml). Every missing data file the run reads
# is an output of `download`: with data.download true an SDSS SAS file is fetched over HTTP(S)
# (resumable, checksums verified); any other (a Gaia archive file, or download false) stops the
# DAG before any job with one message listing every missing file and where it comes from.
import re


if missing_data_files():

    localrules:
        download,

    rule download:
        """Fetch an SDSS SAS file into data.dir (resumes a .part file; verifies checksums)."""
        input:
            code=download_inputs,
        output:
            f"{DATA_DIR}/{{name}}",
        params:
            file=lambda wildcards: vars(missing_data_files()[wildcards.name]),
        wildcard_constraints:
            name="|".join(re.escape(name) for name in missing_data_files()),
        log:
            "results/logs/download/{name}.log",
        benchmark:
            "results/benchmarks/download/{name}.tsv"
        resources:
            mem_mb=500,
            runtime=240,
        conda:
            "../../envs/science.yaml"
        script:
            "../../scripts/download.py"
