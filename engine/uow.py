"""A unit of work: one transaction, and the jobs it asked for, sent only once it has committed."""
import logging

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from . import db, jobs
from .errors import Conflict


log = logging.getLogger(__name__)

LOST_RACE = "the process instance was changed by another request at the same time; nothing was saved"


class UnitOfWork:
    def __init__(self, session_factory=None):
        self._session_factory = session_factory or db.new_session
        self.session = None
        self._after_commit = []

    def __enter__(self):
        self.session = self._session_factory()
        self._after_commit = []
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None or self.session.in_transaction():
                self.session.rollback()
        finally:
            self.session.close()
        if exc_type is not None and issubclass(exc_type, StaleDataError):
            # Lost the optimistic-locking race in a flush before commit: same answer as at commit.
            raise Conflict(LOST_RACE) from None
        return False

    def enqueue_after_commit(self, job_name, *args):
        self._after_commit.append((job_name, args))

    def commit(self):
        try:
            self.session.commit()
        except StaleDataError:
            self.session.rollback()
            raise Conflict(LOST_RACE) from None
        except IntegrityError as exc:
            self.session.rollback()
            raise Conflict(f"conflicting write: {exc.orig}") from None
        pending, self._after_commit = self._after_commit, []
        for job_name, args in pending:
            try:
                jobs.dispatch(job_name, *args)
            except Exception:
                # The transaction is committed: failing the request now would invite a retry that
                # duplicates it. The reconciler finds what the lost job should have done.
                log.exception("could not enqueue %s%r after commit", job_name, args)


def unit_of_work():
    return UnitOfWork()
