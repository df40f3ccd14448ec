"""What the Snakemake workflow needs from Python, without importing Snakemake.

``plan`` (what a run reads, makes and where: decided once from the config), ``provenance`` (each
rule's code inputs: the library modules its script imports, found from the source), ``logs``
(logging of rule scripts to the rule's log file), ``figures`` (a figure job's writer: several
figures per job).
"""
