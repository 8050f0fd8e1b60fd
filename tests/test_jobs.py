"""RQ wiring: jobs are enqueued only after commit and run by a real worker on a real Redis."""
from redis import Redis
from rq import Queue, SimpleWorker

from engine import jobs
from engine.errors import Conflict
from engine.uow import unit_of_work
from tests.conftest import deploy
from worker import jobs as worker_jobs
from worker.queue import QUEUE_NAME


def test_a_job_runs_through_redis_with_a_burst_worker(client, redis_url, database_url):
    deploy(client, "approval.bpmn", "review-schema.json")
    instance = client.post("/api/v1/process-definitions/approval/start", json={"variables": {"amount": 1}}).json
    connection = Redis.from_url(redis_url)
    queue = Queue(QUEUE_NAME, connection=connection)
    queue.empty()
    job = queue.enqueue(worker_jobs.refresh_instance, instance["id"])
    SimpleWorker([queue], connection=connection).work(burst=True)
    job.refresh()
    assert job.is_finished, job.exc_info
    assert job.return_value() == "running"


def test_jobs_are_dispatched_only_after_commit(database_url):
    sent = []
    jobs.set_dispatcher(lambda name, *args: sent.append((name, args)))
    try:
        with unit_of_work() as uow:
            uow.enqueue_after_commit("refresh_instance", "x")
            assert sent == []
            uow.commit()
        assert sent == [("refresh_instance", ("x",))]
        sent.clear()
        try:
            with unit_of_work() as uow:
                uow.enqueue_after_commit("refresh_instance", "y")
                raise Conflict("boom")
        except Conflict:
            pass
        assert sent == []
    finally:
        jobs.set_dispatcher(None)


def test_a_dead_redis_does_not_fail_a_committed_request(database_url):
    def dead(name, *args):
        raise ConnectionError("redis is down")
    jobs.set_dispatcher(dead)
    try:
        with unit_of_work() as uow:
            uow.enqueue_after_commit("refresh_instance", "x")
            uow.commit()   # must not raise: the data is already committed
    finally:
        jobs.set_dispatcher(None)
