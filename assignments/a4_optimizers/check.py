"""The public checks of a4_optimizers, anywhere: `python check.py` checks optim.py; `python check.py a4_optimizers.en.ipynb` a notebook."""

import sys
from pathlib import Path

from source_lib.public import kit_main

if __name__ == "__main__":
    sys.exit(kit_main(Path(__file__).parent, ['optim.py'], sys.argv[1:]))
