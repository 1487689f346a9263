"""Scrapyd runs the project from a deployed egg; make sure the egg is what actually runs."""

from __future__ import annotations

import zipfile


def shadowed_egg(module_file: str, sys_path: list[str], package: str = "thaigov_crawler") -> str:
    """The Scrapyd egg on ``sys_path`` whose copy of ``package`` was NOT the one imported.

    Scrapyd appends the deployed egg to ``sys.path``, so a copy of the project installed in
    Scrapyd's own environment wins and every deployed version is silently ignored. Returns the
    egg's path, or "" when the imported package comes from the egg (or there is no egg).
    """
    for entry in sys_path:
        if not entry.endswith(".egg") or module_file.startswith(entry + "/"):
            continue
        try:
            with zipfile.ZipFile(entry) as egg:
                if f"{package}/__init__.py" in egg.namelist():
                    return entry
        except (OSError, zipfile.BadZipFile):
            continue
    return ""
