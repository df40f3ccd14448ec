"""The paper's figures, in one shared style.

``style`` (the style, the Galactic-plane map furniture and helpers shared by every figure),
``sample`` (Figs. 1, 2, 4), ``maps`` (Figs. 6, 7, B.1), ``ages`` (Figs. 8, 9, 11 panels),
``structure`` (Figs. 10, 11), ``comparisons`` (Figs. 3, 5, C.1), ``crossmatch`` (Figs. A.1, A.2),
``galaxies`` (Figs. 12, 13, D.1), ``validation`` (the truth-check figures). Figure functions are
pure: they take tables and return a :class:`matplotlib.figure.Figure`; ``style.savefig`` writes it.
"""
