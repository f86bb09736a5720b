"""The channels that take mlgrade to students and instructors: the student bundle
(``release``), Gradescope's autograder (``gradescope``) and an nbgrader course (``nbgrader``).

They sit on top of the core (``grader.engine``, ``grader.bank``, ``grader.batch``); the core
never imports a channel.
"""
