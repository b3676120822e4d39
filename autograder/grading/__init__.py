"""Grading: one submission (grade), a class (batch), and the instructor's proof of the grader (validate)."""
