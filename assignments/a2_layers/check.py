"""The public checks of a2_layers, anywhere: `python check.py` checks layers.py; `python check.py a2_layers.en.ipynb` a notebook."""

import sys
from pathlib import Path

from source_lib.public import kit_main

if __name__ == "__main__":
    sys.exit(kit_main(Path(__file__).parent, ['layers.py'], sys.argv[1:]))
