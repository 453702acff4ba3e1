"""``mcdesk-service`` / ``python -m remote``: run the service; ``python -m remote token``:
print a bearer token.

    python -m remote [serve]                         # listens on MCDESK_SERVICE_HOST:PORT
    python -m remote token --subject NAME [--days N] # a JWT signed with MCDESK_JWT_KEY
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

EXIT_SETTINGS = 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mcdesk-service",
                                description="The mcdesk remote simulation service.")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the service (the default)")
    t = sub.add_parser("token", help="print a bearer token signed with MCDESK_JWT_KEY")
    t.add_argument("--subject", required=True, help="who the token is for (name or script)")
    t.add_argument("--days", type=float, default=30.0, help="days it is valid (default 30)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from .errors import RemoteError
    from .settings import Settings

    try:
        if args.command == "token":
            from .auth import issue_token

            settings = Settings.from_env()
            print(issue_token(settings.jwt_key, args.subject, args.days))
            return 0
        return serve(Settings.from_env())
    except RemoteError as exc:
        print(f"mcdesk-service: {exc}", file=sys.stderr)
        return EXIT_SETTINGS


def serve(settings) -> int:
    import uvicorn

    from .service import create_app

    if hasattr(os, "geteuid") and os.geteuid() == 0:
        logging.getLogger(__name__).warning(
            "running as root: run the service as an unprivileged user (the image does)")
    # a stored kernel plan holds a workbook's constants and strings: a shared service keeps
    # no tenant's data on disk beyond its results unless the operator asks for it
    os.environ.setdefault("MCDESK_PLAN_STORE", "0")
    app = create_app(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info",
                timeout_keep_alive=75, proxy_headers=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
