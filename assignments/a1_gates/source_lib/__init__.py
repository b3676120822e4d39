"""Support library for Backprop Lab: students and the grader import it as-is.

- ``source_lib.gradcheck``: numerical gradients by centred differences, relative
  error with a floor, and mismatch descriptions a student can act on.
- ``source_lib.data``: seeded toy data sets (spirals, moons, XOR, regression).
- ``source_lib.plotting``: matplotlib helpers (imported lazily).
- ``source_lib.messages``: the student-facing messages in English and Korean.

No exercise lives here.
"""
