import sys

from coverage_sdk.cli import main

sys.exit(main())
