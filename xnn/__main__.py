"""`python -m xnn ...` runs the CLI."""

import sys

from xnn.cli import main

sys.exit(main())
