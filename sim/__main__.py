"""``python -m sim``: the ``withdrawal-sim`` command line."""

from sim.cli import main

raise SystemExit(main())
