"""The hidden tests: one module per assignment, each defining ``CHECKS``, a list of checks.

Each module declares its checks in a few lines from the kinds in ``autograder.checks``:
which callable, which inputs, which part. The grader never selects checks by their
names; it groups them by their ``part``, which must be a part of course.toml.
"""
