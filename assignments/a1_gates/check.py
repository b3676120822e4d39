"""The public checks of a1_gates, anywhere: `python check.py` checks gates.py; `python check.py a1_gates.ko.ipynb` a notebook.

Messages speak --lang, else the notebook's language, else BACKPROP_LAB_LANG, else the course's (ko).
"""

import sys
from pathlib import Path

from source_lib.public import kit_main

if __name__ == "__main__":
    sys.exit(kit_main(Path(__file__).parent, ['gates.py'], sys.argv[1:], course_language="ko"))
