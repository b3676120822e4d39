"""The public checks of a2_layers, anywhere: `python check.py` checks layers.py; `python check.py a2_layers.ko.ipynb` a notebook.

Messages speak --lang, else the notebook's language, else BACKPROP_LAB_LANG, else the course's (ko).
"""

import sys
from pathlib import Path

from source_lib.public import kit_main

if __name__ == "__main__":
    sys.exit(kit_main(Path(__file__).parent, ['layers.py'], sys.argv[1:], course_language="ko"))
