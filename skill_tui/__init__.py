"""skill-tui: the terminal control panel over the skill engine."""

import time

STARTED_AT = time.perf_counter()
"""When the package was first imported: the start of the app's start-up clock."""

# The header's icon (it opens the command palette). Textual's default, U+2B58, is missing from
# common terminal and screenshot fonts (DejaVu), where it shows as a box.
HEADER_ICON = "◆"
