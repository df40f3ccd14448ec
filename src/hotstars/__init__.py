"""hotstars: the science library behind the hotstars Snakemake workflow.

Reproduces Zari et al. 2025 (A&A 703, A303), "The large-scale kinematics of young stars in the
Milky Way disc: first results from SDSS-V". Pure functions over numpy arrays and tables.

Parts (a folder says what its modules may touch; ``docs/architecture.md``):

- ``hotstars.io``: every reader and writer (input contracts, products, download, real-data files);
- the science modules beside this file (``selection``, ``rv``, ``frame``, ``kinematics``, ``maps``,
  ``isochrones``, ``ages``, ``clusters``, ``contrast``, ``spiral``, ``comparisons``,
  ``crossmatch``, ``apogee``, ``auriga``, ``validation``, ``summary``, ...): they compute, and
  read or write only through ``hotstars.io``;
- ``hotstars.mock``: the built-in mock Galaxy survey and its side catalogues (may use science and
  io; nothing else imports it);
- ``hotstars.plots``: the figures (may use science and io);
- ``hotstars.workflow``: what the Snakemake workflow needs from Python (the run plan, code
  provenance, rule-script logging); the library never imports Snakemake.

Package ``__init__`` files import nothing, so a rule script loads only the modules it uses (and
an edit of a module reruns only the rules that use it).
"""

__version__ = "0.1.0"
