"""skill-tui: the terminal control panel over the skill engine."""
