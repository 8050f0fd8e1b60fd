"""The RQ queue: where the engine's after-commit jobs go."""
from functools import lru_cache

from redis import Redis
from rq import Queue

QUEUE_NAME = "baton"


@lru_cache(maxsize=8)
def connection(redis_url):
    # Short timeouts: a hung Redis must not hold web requests or health checks for long.
    return Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=3)


def get_queue(redis_url):
    return Queue(QUEUE_NAME, connection=connection(redis_url))


def dispatcher(redis_url):
    """A function engine.jobs can call: job names map to functions in worker.jobs."""
    def dispatch(job_name, *args):
        from . import jobs
        get_queue(redis_url).enqueue(getattr(jobs, job_name), *args)
    return dispatch


def ping(redis_url):
    try:
        connection(redis_url).ping()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
