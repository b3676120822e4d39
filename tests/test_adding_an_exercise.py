"""Adding an exercise is short: the README's recipe adds Dropout to a2 in a copy of the course
from declarations alone (a part, a reference class with markers, hidden checks, a public
check, lesson cells, two known bugs and a correct variant), releases it and validates it.

Every block below appears verbatim in the README, so the recipe there is the one tested."""

import re

from autograder.config import load_course
from autograder.authoring.release import release_files, write_release
from autograder.grading.validate import declaration_rows, grade_all, implementations
from tests.conftest import ROOT, course_copy

PARTS = '''  { id = "batchnorm", title = "BatchNorm1d", title_ko = "BatchNorm1d", points = 15 },
  { id = "dropout", title = "Dropout", title_ko = "Dropout", points = 10 },
'''

REFERENCE = '''

class Dropout:
    """Inverted dropout. In train mode, out = x * mask / (1 - p) with
    mask = rng.random(x.shape) >= p drawn anew at each forward; in eval mode, out = x.

    p: the probability of dropping a unit; rng: a numpy Generator.
    """

    def __init__(self, p, rng):
        self.p, self.rng, self.training = p, rng, True
        self.params, self.grads = {}, {}

    def train(self):
        self.training = True

    def eval(self):
        self.training = False

    def forward(self, x):
        """x: shape (N, D). Returns out, shape (N, D)."""
        ### BEGIN SOLUTION
        keep = self.rng.random(x.shape) >= self.p if self.training else np.ones(x.shape, dtype=bool)
        self.scale = keep / (1.0 - self.p) if self.training else keep * 1.0
        return x * self.scale
        ### END SOLUTION

    def backward(self, dout):
        """dout: shape (N, D). Returns dx = dout * mask / (1 - p) (dout in eval mode)."""
        ### BEGIN SOLUTION
        return dout * self.scale
        ### END SOLUTION
'''

HIDDEN = '''
DROPOUT = Unit("layers.Dropout", make_args=lambda rng: (0.3, RngSeed(int(rng.integers(2**31)))))
DROPOUT_EVAL = Unit("layers.Dropout", make_args=lambda rng: (0.3, RngSeed(0)), modes=("eval",))
CHECKS += [
    Forward("dropout", "train mode: the mask drawn as the docstring says, kept units scaled", unit=DROPOUT,
            inputs=normal((20, 6))),
    Backward("dropout", "train mode: backward routes dout through the same mask", unit=DROPOUT,
             inputs=normal((20, 6))),
    Forward("dropout", "eval mode: out = x", unit=DROPOUT_EVAL, inputs=normal((5, 6))),
    InputsUnchanged("dropout", "forward and backward leave x and dout unchanged", unit=DROPOUT,
                    inputs=normal((4, 6))),
]
'''

PUBLIC = '''

def check_dropout(student):
    """Dropout(0.5) zeroes about half the units and doubles the others; backward uses the same mask."""
    layer = student.Dropout(0.5, np.random.default_rng(RNG_SEED))
    x = np.ones((100, 50))
    out = layer.forward(x)
    assert_shape(out, x.shape, "Dropout.forward")
    assert set(np.unique(out)) <= {0.0, 2.0} and 0.4 < np.mean(out) / 2 < 0.6, "Dropout.forward: 0 or x / (1 - p)"
    assert_close(layer.backward(x), out, "Dropout.backward")


CHECKS["dropout"] = [check_dropout]
'''

LESSON = '''
%% code layers.py:Dropout
%% check dropout
'''

VARIANTS = '''
[dropout_not_rescaled]
loses = ["dropout"]
why = "Dropout forgets to divide the kept units by 1 - p"
change = [{ find = "keep / (1.0 - self.p) if", replace = "keep * 1.0 if" }]

[dropout_backward_ignores_mask]
loses = ["dropout"]
why = "Dropout.backward returns dout unchanged"
change = [{ find = "return dout * self.scale", replace = "return dout * 1.0" }]

[dropout_with_where]
loses = []
why = "Dropout keeps the boolean mask and divides with np.where"
[[dropout_with_where.change]]
definition = "Dropout.forward"
source = \'\'\'
def forward(self, x):
    self.keep = self.rng.random(x.shape) >= self.p if self.training else np.ones(x.shape, dtype=bool)
    self.scale = np.where(self.keep, 1.0 / (1.0 - self.p) if self.training else 1.0, 0.0)
    return np.where(self.keep, x * self.scale, 0.0)
\'\'\'
'''


def recipe_lines():
    """The lines an instructor writes to add Dropout (blocks of the recipe, blank lines excluded)."""
    return sum(1 for block in (PARTS, REFERENCE, HIDDEN, PUBLIC, LESSON, VARIANTS)
               for line in block.splitlines() if line.strip())


def test_the_readme_shows_this_recipe_and_it_is_short():
    readme = (ROOT / "README.md").read_text()
    for block in (PARTS, REFERENCE, HIDDEN, PUBLIC, LESSON, VARIANTS):
        assert block.strip() in readme, block[:80]
    count = recipe_lines()
    assert count < 100
    assert re.search(rf"\b{count} lines\b", readme), f"the README should say the recipe is {count} lines"


def test_dropout_added_from_declarations_alone_is_released_and_validated(tmp_path, sandbox):
    course_copy(tmp_path)
    toml = tmp_path / "course.toml"
    old = '  { id = "batchnorm", title = "BatchNorm1d", title_ko = "BatchNorm1d", points = 25 },\n'
    assert old in toml.read_text()
    toml.write_text(toml.read_text().replace(old, PARTS))
    folder = tmp_path / "solutions" / "a2_layers"
    for name, block in (("layers.py", REFERENCE), ("hidden_checks.py", HIDDEN), ("public_checks.py", PUBLIC),
                        ("lesson.en.md", LESSON), ("lesson.ko.md", LESSON), ("variants.toml", VARIANTS)):
        (folder / name).write_text((folder / name).read_text() + block)
    course = load_course(tmp_path)
    a2 = course.assignment("a2_layers")
    write_release(course, a2)
    released = release_files(course, a2)
    assert 'raise NotImplementedError("Dropout.forward")' in released["layers.py"]
    assert "check_dropout" in released["public_checks.py"] and "dropout_not_rescaled" not in str(released)
    impls, broken = implementations(course, a2)
    assert not broken  # every earlier variant still applies, and now holds Dropout too
    new = {"dropout_not_rescaled", "dropout_backward_ignores_mask", "dropout_with_where"}
    assert new <= {i.name for i in impls}
    chosen = [i for i in impls if i.kind in ("reference", "stubs") or i.name in new
              or i.name in ("db_not_summed", "batchnorm_long_form")]  # and two earlier variants
    rows = declaration_rows(course, a2) + grade_all(course, a2, chosen, students=1, sandbox=sandbox)
    assert len(rows) == 8
    bad = [r for r in rows if not r.ok]
    assert not bad, "\n".join(f"{r.kind} {r.name}: expected {r.expected}, got {r.got}: {r.detail}" for r in bad)
