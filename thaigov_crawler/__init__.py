"""PyThaiNLP's data folder is pointed away from the home directory before anything imports it."""

from pipelines.core.pythainlp_home import isolate_pythainlp_data

isolate_pythainlp_data()
