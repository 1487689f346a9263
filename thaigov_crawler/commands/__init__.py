"""Project commands (``COMMANDS_MODULE``): ``crawl`` is overridden to return the run's exit code."""
