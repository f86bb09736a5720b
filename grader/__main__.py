"""``python -m grader``: the same as the ``mlgrade`` command."""

from grader.cli import main

main()
