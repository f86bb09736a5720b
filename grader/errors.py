"""The one root of the errors that are the user's to fix.

A :class:`UsageProblem` says what was wrong with what the user asked for (a course folder that
is not one, an unknown exercise, a bundle folder that is not empty) and what to do instead.
The command line turns every one of them into its usage message and exit status 2, in one
place (``grader.cli``); a grader bug is any other exception, and exits 1.
"""

from __future__ import annotations


class UsageProblem(Exception):
    """What the user asked for cannot be done; the message says why and what to do."""
