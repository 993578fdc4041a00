"""``python -m xorfast`` is the ``xorfast`` command."""

import sys

from .cli import main

sys.exit(main())
