"""The built-in mock Galaxy survey: the workflow's default input and its test oracle.

``survey`` (the five survey inputs in their real formats plus the truth), ``side`` (ALS-III- and
D23-like catalogues), ``clusters`` (H23- and CG20-like catalogues), ``auriga`` (a toy galaxy in the
aurigaia format), ``apogee`` (astroNN-format giants). The mock may use the science modules and
``hotstars.io``; no science, io or plotting module imports it.
"""
