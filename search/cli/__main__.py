"""``python -m search.cli``: the ``thaigov`` command without its console script."""

from search.cli import main

main()
