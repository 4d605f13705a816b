"""``python -m sandbox [serve options]`` or ``python -m sandbox call TO --from N ...``."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
