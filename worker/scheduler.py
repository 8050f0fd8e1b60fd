"""The timer loop inside `baton worker`: every few seconds, fire the timers that are due.

Every worker runs the loop; a short Redis lock lets one of them do each round, and if two ever
overlap (a slow round, Redis gone) the engine's optimistic locking still fires each timer once.
The first round runs at start-up, so whatever fell due while no worker ran fires then.
"""
import logging
import os
import threading
import uuid

from engine import db, timers

log = logging.getLogger(__name__)

LOCK_KEY = "baton:timers:round"
DEFAULT_INTERVAL = 2.0


def interval_from_environment():
    try:
        return max(0.1, float(os.environ.get("BATON_TIMER_INTERVAL", DEFAULT_INTERVAL)))
    except ValueError:
        return DEFAULT_INTERVAL


def run_round(connection=None, interval=DEFAULT_INTERVAL, token=None):
    """One round: None when another worker holds this round, else the reconciler's counts."""
    if connection is not None:
        try:
            if not connection.set(LOCK_KEY, token or uuid.uuid4().hex, nx=True, px=max(100, int(interval * 900))):
                return None
        except Exception as exc:  # no Redis: fire anyway, the database keeps it exactly-once
            log.debug("timer lock unavailable (%s); firing without it", type(exc).__name__)
    totals = {"instances": 0, "started": 0, "lost": 0}
    while True:
        counts = timers.fire_due()
        for key in totals:
            totals[key] += counts[key]
        # A full batch means more may be overdue (say, after downtime): go on at once.
        if counts["instances"] + counts["started"] + counts["lost"] < 100:
            return totals


class TimerLoop(threading.Thread):
    def __init__(self, connection=None, interval=None):
        super().__init__(name="baton-timers", daemon=True)
        self.connection = connection
        self.interval = interval or interval_from_environment()
        self.token = uuid.uuid4().hex
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            try:
                counts = run_round(self.connection, self.interval, self.token)
                if counts and any(counts.values()):
                    log.info("timers fired: %s", counts)
            except Exception:
                log.exception("timer round failed; trying again next round")
            self.stopped.wait(self.interval)

    def stop(self):
        self.stopped.set()


def _fresh_pool_in_child():
    # RQ forks a work horse per job: it must not share the parent's pooled connections.
    if db.is_configured():
        db.get_engine().dispose(close=False)


_fork_hook = False


def start(connection=None, interval=None):
    global _fork_hook
    if not _fork_hook:
        os.register_at_fork(after_in_child=_fresh_pool_in_child)
        _fork_hook = True
    loop = TimerLoop(connection, interval)
    loop.start()
    return loop
