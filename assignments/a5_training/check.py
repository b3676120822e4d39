"""The public checks of a5_training, anywhere: `python check.py` checks train.py, diagnostics.py; `python check.py a5_training.ko.ipynb` a notebook.

Messages speak --lang, else the notebook's language, else BACKPROP_LAB_LANG, else the course's (ko).
"""

import sys
from pathlib import Path

from source_lib.public import kit_main

if __name__ == "__main__":
    sys.exit(kit_main(Path(__file__).parent, ['train.py', 'diagnostics.py'], sys.argv[1:], course_language="ko"))
