"""``python -m expectations``: see :mod:`expectations.cli`."""

from expectations.cli import main

raise SystemExit(main())
