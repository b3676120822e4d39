"""The public checks of a1_gates, anywhere: `python check.py` checks gates.py; `python check.py a1_gates.en.ipynb` a notebook."""

import sys
from pathlib import Path

from source_lib.public import kit_main

if __name__ == "__main__":
    sys.exit(kit_main(Path(__file__).parent, ['gates.py'], sys.argv[1:]))
