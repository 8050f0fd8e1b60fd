"""How the engine asks for background work without knowing about RQ.

The worker package installs a dispatcher at start-up; until then jobs are only recorded,
which is what a CLI run or a test without Redis wants.
"""
_dispatcher = None


def set_dispatcher(dispatch):
    """dispatch(job_name, *args) is called after the transaction that asked for the job commits."""
    global _dispatcher
    _dispatcher = dispatch


def dispatch(job_name, *args):
    if _dispatcher is not None:
        _dispatcher(job_name, *args)
