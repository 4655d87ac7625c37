"""`python -m tests.bench.bare_gateway --store URL --port P`: the gateway benchmark's bare
baseline (`tests.bench.gateway.bare_app`: the same `ProjectionReader` reads and the same JSON,
without token, policy or processing log) served by uvicorn in a process of its own, so that the
scale run compares the gateway process with another process, not with a thread that shares the
client's interpreter. `/health` is added for the start-up check; no access log."""

from __future__ import annotations

import argparse

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from streams.reads import ProjectionReader
from tests.bench.gateway import bare_app


async def health(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bare_gateway", description=__doc__)
    parser.add_argument("--store", required=True, help="the projection store's URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    reader = ProjectionReader(args.store)
    app = bare_app(reader)
    app.router.routes.append(Route("/health", health, methods=["GET"]))
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False,
                    server_header=False)  # fmt: skip
    finally:
        reader.close()


if __name__ == "__main__":
    main()
