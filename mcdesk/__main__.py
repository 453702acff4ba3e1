"""``python -m mcdesk``: the same as the ``mcdesk`` command."""

import sys

from mcdesk.cli import main

sys.exit(main())
