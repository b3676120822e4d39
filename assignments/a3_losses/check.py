"""The public checks of a3_losses, anywhere: `python check.py` checks losses.py; `python check.py a3_losses.en.ipynb` a notebook."""

import sys
from pathlib import Path

from source_lib.public import kit_main

if __name__ == "__main__":
    sys.exit(kit_main(Path(__file__).parent, ['losses.py'], sys.argv[1:]))
