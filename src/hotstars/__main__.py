"""``python -m hotstars``: the command line of :mod:`hotstars.cli`."""

from hotstars.cli import main

main()
