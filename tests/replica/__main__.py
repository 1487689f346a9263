"""Serve the replica standalone: ``python -m tests.replica --port 8765 [--delay 0.1]``."""

from __future__ import annotations

import argparse
import time

from tests.replica import fixtures as fx
from tests.replica.server import ReplicaServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds added to each response")
    parser.add_argument("--extra-ids", type=int, default=0, help="synthetic articles to append")
    parser.add_argument("--disallow-all", action="store_true", help="robots.txt forbids everything")
    parser.add_argument("--warm", action="store_true", help="render synthetic pages up front")
    parser.add_argument("--robots-status", type=int, default=200, help="e.g. 404, 500, 503")
    parser.add_argument("--robots-stall", type=float, default=0.0, help="seconds before robots.txt")
    args = parser.parse_args()
    robots = fx.DISALLOW_ALL_ROBOTS if args.disallow_all else fx.ALLOW_ALL_ROBOTS
    with ReplicaServer(
        port=args.port,
        delay=args.delay,
        extra_ids=args.extra_ids,
        robots_txt=robots,
        robots_status=args.robots_status,
        robots_stall=args.robots_stall,
    ) as replica:
        if args.warm:
            replica.warm()
        print(f"replica of the site at {replica.base_url} (ids {fx.FIRST_ID}..{replica.last_id})")
        print(f"  e.g. {replica.detail_url(fx.FIRST_ID)}  -- Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
