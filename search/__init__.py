"""PyThaiNLP's data folder is pointed away from the home directory before anything imports it,
and numpy's BLAS is kept to one thread unless ``OPENBLAS_NUM_THREADS`` says otherwise."""

import os

# Semantic search's matrix products are small (encoding a question) or memory-bound (scoring
# every passage), and OpenBLAS's extra threads busy-wait for work: on the shared 2-core machine
# they turned 16 ms semantic queries into 70-250 ms (benchmarks/README.md, issue 15). The
# encoder asks for one thread itself, but only through threadpoolctl, which is optional.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from pipelines.core.pythainlp_home import isolate_pythainlp_data

isolate_pythainlp_data()
