"""Top-level package; PyThaiNLP's data folder is pointed away from the home directory first."""

from pipelines.core.pythainlp_home import isolate_pythainlp_data

isolate_pythainlp_data()
