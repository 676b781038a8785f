"""`python -m workshop_lib.commands ...` is `workshop ...` (for torchrun and machines without the script)."""

import sys

from .main import main

sys.exit(main())
