"""`python -m infra.rehearse` (`make rehearse`): the deploy command, rehearsed on a twin.

See infra/rehearse/__init__.py for what runs and what each twin stands in for.
"""

from __future__ import annotations

import sys

from infra.rehearse.driver import main

if __name__ == "__main__":
    sys.exit(main())
