# hotstars: the young Milky Way disc from SDSS-V hot stars (Zari et al. 2025, A&A 703, A303).
# Run `snakemake --cores 2` for the whole workflow on the built-in mock survey; README.md for more.
# Every product of a run goes to results/<run.name>/; docs/architecture.md describes the stages.
from snakemake.utils import min_version, validate

min_version("9")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


# an image built from the Dockerfile (`snakemake --containerize`) holds every rule's environment
if config["container"]:

    containerized: config["container"]



scattergather:
    age_shards=config["ages"]["shards"],


include: "workflow/rules/common.smk"
include: "workflow/rules/download.smk"
include: "workflow/rules/archive.smk"
include: "workflow/rules/mock.smk"
include: "workflow/rules/isochrones.smk"
include: "workflow/rules/sample.smk"
include: "workflow/rules/rv.smk"
include: "workflow/rules/kinematics.smk"
include: "workflow/rules/maps.smk"
include: "workflow/rules/ages.smk"
include: "workflow/rules/clusters.smk"
include: "workflow/rules/validation.smk"
include: "workflow/rules/vac.smk"
include: "workflow/rules/comparisons.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/summary.smk"


LIBRARY.save_cache()  # every rule's code inputs are known: keep the parsed imports (common.smk)


wildcard_constraints:
    size=r"\d+",
    catalogue="|".join(CLUSTER_CATALOGUES),


rule all:
    input:
        PLAN.targets(),
    default_target: True
