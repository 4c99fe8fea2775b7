"""``python -m ui.cli``: the ``secondear`` command."""

import sys

from .main import main

sys.exit(main())
