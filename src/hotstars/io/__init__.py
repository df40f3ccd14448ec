"""Every reader and writer of the workflow.

``specs`` (input contracts and the checked reader), ``survey`` (the five survey inputs), ``vac``
(the DR20 value-added catalogue), ``catalogues`` (ALS-III, D23), ``clusters`` (H23, CG20),
``apogee`` (astroNN), ``auriga`` (aurigaia HDF5), ``isochrones`` (MIST, PARSEC/YBC),
``reference`` (literature tables shipped with the package), ``tables`` (the workflow's own
products, written atomically), ``hashing`` (content hashes of products), ``realdata`` and
``download`` (real data files and their sources). Modules here import no science module.
"""
