"""The public checks of a4_optimizers, anywhere: `python check.py` checks optim.py; `python check.py a4_optimizers.ko.ipynb` a notebook.

Messages speak --lang, else the notebook's language, else BACKPROP_LAB_LANG, else the course's (ko).
"""

import sys
from pathlib import Path

from source_lib.public import kit_main

if __name__ == "__main__":
    sys.exit(kit_main(Path(__file__).parent, ['optim.py'], sys.argv[1:], course_language="ko"))
