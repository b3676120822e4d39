"""The public checks of a3_losses, anywhere: `python check.py` checks losses.py; `python check.py a3_losses.ko.ipynb` a notebook.

Messages speak --lang, else the notebook's language, else BACKPROP_LAB_LANG, else the course's (ko).
"""

import sys
from pathlib import Path

from source_lib.public import kit_main

if __name__ == "__main__":
    sys.exit(kit_main(Path(__file__).parent, ['losses.py'], sys.argv[1:], course_language="ko"))
