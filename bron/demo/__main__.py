"""`python -m bron.demo`: the same as `bron demo` (same options, same errors)."""

from __future__ import annotations

import sys

from bron.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", *sys.argv[1:]]))
