"""``python -m pytest_mlaudit.cli``: the ``mlaudit`` command."""

import sys

from pytest_mlaudit.cli import main

sys.exit(main())
