"""Prometheus metrics: request counts and latency, and instance and task counts at scrape time."""
import time

from flask import g, request
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from engine.models import Incident, ProcessInstance, UserTask
from engine.uow import unit_of_work

REQUESTS = Counter("baton_http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
LATENCY = Histogram("baton_http_request_seconds", "HTTP request latency", ["endpoint"])


class DatabaseCollector:
    """Counts read from the database when scraped, so every web process reports the same truth."""

    def collect(self):
        instances = GaugeMetricFamily("baton_process_instances", "Process instances by state", labels=["state"])
        tasks = GaugeMetricFamily("baton_open_user_tasks", "Open user tasks")
        incidents = GaugeMetricFamily("baton_open_incidents", "Open incidents")
        try:
            with unit_of_work() as uow:
                for state, count in uow.session.execute(
                        select(ProcessInstance.state, func.count()).group_by(ProcessInstance.state)):
                    instances.add_metric([state], count)
                tasks.add_metric([], uow.session.scalar(
                    select(func.count()).select_from(UserTask).where(UserTask.state == "open")))
                incidents.add_metric([], uow.session.scalar(
                    select(func.count()).select_from(Incident).where(Incident.state == "open")))
        except Exception:  # a scrape must not fail because the database is briefly away
            return
        yield instances
        yield tasks
        yield incidents


_collector = None


def init_app(app):
    global _collector
    if _collector is None:
        _collector = DatabaseCollector()
        REGISTRY.register(_collector)

    @app.before_request
    def _start_timer():
        g.started = time.perf_counter()

    @app.after_request
    def _count(response):
        endpoint = request.endpoint or "unknown"
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        if hasattr(g, "started"):
            LATENCY.labels(endpoint).observe(time.perf_counter() - g.started)
        return response
