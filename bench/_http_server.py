"""The Flask app on werkzeug's threaded server, as a child process of bench.core.

Run as `python -m bench._http_server` with DATABASE_URL, REDIS_URL, BATON_VAR_DIR and SECRET_KEY in the
environment; prints `PORT <n>` on stdout once it listens on 127.0.0.1, then serves until killed.
"""
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main():
    from werkzeug.serving import make_server

    from web import create_app

    # The dev server logs one line per request to stderr; that is not part of Baton's cost.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app({"DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": os.environ["REDIS_URL"],
                      "SECRET_KEY": os.environ.get("SECRET_KEY", "bench")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
