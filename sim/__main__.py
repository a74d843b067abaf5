"""``python -m sim``: the ``withdrawal-sim`` command line."""

from sim.cli.main import main

raise SystemExit(main())
