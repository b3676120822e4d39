"""Backprop Lab's grading engine. It names no assignment: each lives in ``solutions/<id>/``.

Its folders are its floors; imports run downwards only (a test checks it):

=============  ==========================================================================
``cli``        the ``course`` command, a thin layer over the packages below
``platforms``  Gradescope bundles, GitHub Classroom templates, nbgrader courses
``grading``    one submission (``grade``), a class (``batch``), the grader's proof (``validate``)
``outputs``    what is read: gradebook.csv, feedback pages, figures, the class report, their words
``authoring``  what an instructor writes becomes what a student gets: stubs, notebooks,
               releases, declared variants, do-nothing probes
``checks``     the reusable kinds of hidden check and the comparisons they share
``sandbox``    the untrusted child: its jail, the zygote, the wire, the runners on each side
``config``,    course.toml as typed dataclasses, and the results model (results.json)
``results``
=============  ==========================================================================
"""
