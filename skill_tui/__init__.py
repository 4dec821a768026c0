"""skill-tui: the terminal control panel over the skill engine."""

import time

STARTED_AT = time.perf_counter()
"""When the package was first imported: the start of the app's start-up clock."""
