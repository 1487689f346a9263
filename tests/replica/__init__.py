"""Local replica of www.thaigov.go.th for crawler tests, benchmarks and ``make demo``."""

from tests.replica.server import ReplicaServer

__all__ = ["ReplicaServer"]
