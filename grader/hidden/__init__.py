"""Hidden checks: agreement with the reference solutions. Instructors only; never released
to students (``mlgrade release`` leaves this package and ``solutions`` out)."""
