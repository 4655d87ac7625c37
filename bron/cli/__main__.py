import sys

from bron.cli import main

sys.exit(main())
