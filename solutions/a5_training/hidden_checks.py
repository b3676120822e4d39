"""Hidden checks of a5_training (train.py, diagnostics.py).

The student's functions get models, losses and optimizers built from the reference
components. Dead-unit checks plant dead units (biases pushed far negative), units dead
on only part of the data (which are not dead), and a network killed by a large
learning rate; gradient norms are compared on a deep sigmoid and a deep ReLU network.
"""

import numpy as np

from autograder.checks.training import DeadUnits, Fit, GradientNorms, Minibatches, ModelSpec, TrainStep

SMALL = ModelSpec((2, 16, 3))
DEEP_SIGMOID = ModelSpec((2, 12, 12, 12, 12, 3), activation="Sigmoid", init="xavier")
DEEP_RELU = ModelSpec((2, 12, 12, 12, 12, 3))


def planted(rng):
    """Hidden units 0..3 of the first layer dead on every row (bias -1e3), units 4..5 dead
    on part of the data only (zero bias, large weight on x0: negative for about half the
    rows), unit 6 exactly 0 on every row (zero weights and bias: dead, as <= 0 says); in
    the second hidden layer unit 1 dead everywhere."""
    w = rng.standard_normal((2, 10)) * np.sqrt(2 / 2)
    b = np.zeros(10)
    b[:4] = -1e3
    w[:, 4:6] = [[5.0, -5.0], [0.0, 0.0]]
    w[:, 6] = 0.0
    b2 = np.zeros(8)
    b2[1] = -1e3
    return [(0, "W", w), (0, "b", b), (2, "b", b2)]


PLANTED = ModelSpec((2, 10, 8, 3), plant=planted)


def one_dead_per_layer(rng):
    """A freshly initialised network's biases (zeros), but one unit per hidden layer at -1e3 (not
    the first layer's last, which every DeadUnits check makes alive on part of the data)."""
    b1, b2 = np.zeros(10), np.zeros(8)
    b1[rng.integers(9)] = b2[rng.integers(8)] = -1e3
    return [(0, "b", b1), (2, "b", b2)]

# The fit part grades the loop only: the student's fit calls the grader's batches and step.
STAND_INS = {"fit": {"train.iterate_minibatches": "doubles.iterate_minibatches",
                     "train.train_step": "doubles.train_step"}}
# What a part's child gets (grade.given): the components are released with the assignment, so every part
# has them (a train.py may import them); of the doubles, only those its checks use.
GIVEN = {part: ["components"] for part in ("minibatches", "train_step", "fit", "dead_relu", "gradient_norms")}
GIVEN["train_step"].append("doubles.PositionalSGD")

CHECKS = [
    Minibatches("minibatches", "batches of 5 from N = 23: the last batch has 3 rows", n=23, batch_size=5),
    Minibatches("minibatches", "batch size equal to N", n=12, batch_size=12),
    Minibatches("minibatches", "batch size 1 (stochastic updates)", n=7, batch_size=1),
    Minibatches("minibatches", "two calls with the same rng: one new permutation per call, nothing else drawn", n=23,
                batch_size=5, calls=2),
    Minibatches("minibatches", "labels of shape (N, 3) are batched by rows", n=17, batch_size=5, wide=True),
    TrainStep("train_step", "three SGD steps on one batch", spec=SMALL),
    TrainStep("train_step", "three Adam steps on one batch", spec=SMALL, optimizer=("Adam", {"lr": 0.01})),
    TrainStep("train_step", "params and grads passed layer by layer, input side first, each layer's keys in dict "
              "order", spec=SMALL, optimizer=("doubles.PositionalSGD", {"lr": 0.05})),
    Fit("fit", "four epochs with batches of 16 from N = 90: history and parameters", spec=SMALL, epochs=4),
    Fit("fit", "batch size that does not divide N, Momentum", spec=SMALL, optimizer=("Momentum", {"lr": 0.05}),
        n=50, batch_size=15, epochs=3),
    Fit("fit", "fifteen epochs: held-out accuracy recomputed from the returned parameters", spec=SMALL, epochs=15,
        batch_size=10, n=120),
    DeadUnits("dead_relu", "planted dead units, and units dead on part of the data only", spec=PLANTED),
    DeadUnits("dead_relu", "a freshly initialised network with one unit per hidden layer planted dead",
              spec=ModelSpec((2, 10, 8, 3), plant=one_dead_per_layer)),
    DeadUnits("dead_relu", "a network killed by a large learning rate (one unit kept alive)",
              spec=ModelSpec((2, 16, 16, 3)), kill_lr=30.0),
    GradientNorms("gradient_norms", "deep sigmoid network (vanishing gradients)", spec=DEEP_SIGMOID),
    GradientNorms("gradient_norms", "deep ReLU network", spec=DEEP_RELU),
]
