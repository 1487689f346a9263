"""setuptools shim for ``scrapyd-deploy``, which runs ``python setup.py bdist_egg``.

Without it, scrapyd-deploy writes a setup.py of its own into the checkout. Everything (metadata,
packages, the ``scrapy`` settings entry point Scrapyd needs) is in pyproject.toml.
"""

from setuptools import setup

setup()
