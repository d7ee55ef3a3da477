"""`python -m config.tests.faults LOG_DIR SCENARIO[,SCENARIO...] [--outage SECONDS]`:
start the private servers, run the scenarios one after another, print one FIGURES line each."""

import argparse
import asyncio
import importlib
import traceback
from pathlib import Path

from config.tests.faults.harness import QUEUE_ERRORS, Servers, emit

SCENARIOS = {
    "redis": "config.tests.faults.redis_outage",
    "postgres": "config.tests.faults.postgres_outage",
    "worker": "config.tests.faults.worker_kill",
    "web": "config.tests.faults.web_kill",
    "balanced": "config.tests.faults.scale_balanced",
    "drain": "config.tests.faults.scale_drain",
    "sentinel": "config.tests.faults.scale_sentinel",
    "pgbouncer": "config.tests.faults.scale_pgbouncer",
    "replica": "config.tests.faults.scale_replica",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("log_dir", type=Path)
    parser.add_argument("scenarios")
    parser.add_argument("--outage", type=float, default=30.0)
    args = parser.parse_args()
    args.log_dir.mkdir(parents=True, exist_ok=True)
    with Servers(args.log_dir) as servers:
        for name in args.scenarios.split(","):
            module = importlib.import_module(SCENARIOS[name])
            QUEUE_ERRORS.clear()
            try:
                figures = asyncio.run(asyncio.wait_for(module.run(servers, args.outage), args.outage + 300))
            except BaseException as error:
                traceback.print_exc()
                figures = {"error": f"{type(error).__name__}: {error}"}
            emit(name, figures)


if __name__ == "__main__":
    main()
