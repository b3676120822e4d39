"""The platforms that run the grader: Gradescope bundles, GitHub Classroom templates, nbgrader courses."""
