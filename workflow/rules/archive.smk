# The Gaia-side data files (gaia, distances, tmass) queried at the archive's TAP service
# (config data.query_archive; hotstars.io.archive). A missing one whose data.files entry names an
# ADQL query becomes an output of `query_archive`; its stars' ids, written from the two SDSS files
# (which `download` may fetch first), go up as a table upload. Like the downloads, a data file in
# place is an input (no rule makes it: delete it to query again). The code inputs are `ancient` and
# the service's settings are read from the config, not params, so that a library edit or a new
# retry setting does not restart the star list or a query of a half-fetched set.
import re

QUERIES = PLAN.queries()

if QUERIES:

    localrules:
        archive_source_ids,
        query_archive,

    rule archive_source_ids:
        """The Gaia DR3 ids of the carton's stars (BOSS Net gaia_dr3_source_id), to upload."""
        input:
            spall=PLAN.inputs["spall"],
            bossnet=PLAN.inputs["bossnet"],
            code=ancient(imports_of("archive_source_ids")),
        output:
            PLAN.source_ids_file,
        params:
            program=config["sample"]["program"],
            spall_hdu=PLAN.inputs["spall_hdu"],
            bossnet_hdu=PLAN.inputs["bossnet_hdu"],
        log:
            logs("archive/source_ids.log"),
        benchmark:
            benchmarks("archive/source_ids.tsv")
        resources:
            mem_mb=4000,
            runtime=30,
        conda:
            "../../envs/archive.yaml"
        script:
            "../../scripts/archive_source_ids.py"

    rule query_archive:
        """Run a data file's ADQL query at the TAP service with the ids uploaded (retries,
        asynchronous jobs for long lists, progress in the log; written atomically)."""
        input:
            ids=PLAN.source_ids_file,
            adql=lambda wildcards: QUERIES[wildcards.name].adql,
            code=ancient(imports_of("query_archive")),
        output:
            f"{PLAN.data_dir}/{{name}}",
        wildcard_constraints:
            name="|".join(re.escape(name) for name in QUERIES),
        log:
            logs("archive/{name}.log"),
        benchmark:
            benchmarks("archive/{name}.tsv")
        resources:
            mem_mb=2000,
            runtime=480,
        conda:
            "../../envs/archive.yaml"
        script:
            "../../scripts/query_archive.py"
