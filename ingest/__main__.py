"""``python -m ingest``: see :mod:`ingest.cli`."""

import sys

from ingest.cli import main

sys.exit(main())
