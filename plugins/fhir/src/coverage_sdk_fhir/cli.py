"""``coverage-sdk serve``: the reference service on uvicorn."""

from __future__ import annotations

import argparse
import logging
import sys


def add_serve(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the FHIR reference service (PAS, CRD, DTR); no authentication",
        description="Serve Da Vinci PAS, CRD and DTR over the installed policies. No authentication: "
                    "run it behind your own gateway, or on 127.0.0.1 for testing.",
    )  # fmt: skip
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--payer-map", metavar="FILE", help="JSON map of insurer identifiers to payer ids and coverage classes to lines of business")
    parser.add_argument("--base-url", help="public base URL, used in questionnaire canonicals (default http://HOST:PORT)")
    parser.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        print("error: serve needs the serve extra: pip install 'coverage-sdk-fhir[serve]'", file=sys.stderr)
        return 1
    from .payers import PayerMap
    from .service import Settings, create_app

    payer_map = PayerMap.load(args.payer_map) if args.payer_map else PayerMap()
    base = (args.base_url or f"http://{args.host}:{args.port}").rstrip("/")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    uvicorn.run(create_app(Settings(base, payer_map)), host=args.host, port=args.port, access_log=False, log_level="info")
    return 0
