"""``python -m supplier_analytics`` runs the command-line interface."""

import sys

from supplier_analytics.cli import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
