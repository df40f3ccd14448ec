"""hotstars: the science library behind the hotstars Snakemake workflow.

Reproduces Zari et al. 2025 (A&A 703, A303), "The large-scale kinematics of young stars in the
Milky Way disc: first results from SDSS-V". Pure functions over numpy arrays and tables; the
library never imports Snakemake.
"""

__version__ = "0.1.0"
