"""Serve the baselines exactly the way `hexauth serve` serves the service.

    python -m bench.serve [--workers N]

It runs the real `hexauth serve` command (the same logging set-up, settings check and
`uvicorn.run` options: loop, HTTP parser, access log, proxy headers) with only the application
swapped for bench/baselines.py, so a change to how the service is served changes the baselines
too and the ratios stay like for like.
"""

from __future__ import annotations

import argparse
from typing import Any

BASELINE_APP = "bench.baselines:create_app"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    import uvicorn

    from entrypoints import cli

    serve = uvicorn.run

    def serve_baselines(app: Any, *rest: Any, **options: Any) -> Any:
        return serve(BASELINE_APP, *rest, **options)

    uvicorn.run = serve_baselines
    return cli.main(["serve", "--workers", str(args.workers)])


if __name__ == "__main__":
    raise SystemExit(main())
