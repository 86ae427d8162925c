"""``GET /metrics``: Prometheus text.

Scans and jobs may be run by other processes (``bastion worker``), so their numbers are
read from the database at scrape time rather than counted here; only GitHub API calls,
made by this process, are counted in memory. Each app has its own registry so several
apps (tests) never share or double-register collectors.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, case, func, select

from bastion.advisories.store import LocalMirror
from bastion.db.models.jobs import JobStatus
from bastion.db.models.scans import ScanReport
from bastion.db.session import read_session
from bastion.github.metrics import ApiCallCounter
from bastion.jobs.store import JobStore

# Seconds; a scan is a download plus a walk, from well under a second to minutes.
DURATION_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class DatabaseCollector(Collector):
    def __init__(self, engine: Engine, jobs: JobStore) -> None:
        self.engine = engine
        self.jobs = jobs

    def collect(self) -> Iterator[Metric]:
        scans = GaugeMetricFamily(
            "bastion_scans",
            "Scans stored, by status and conclusion (outcome).",
            labels=["status", "conclusion"],
        )
        bucket_columns = [
            func.sum(case((ScanReport.duration_ms <= int(b * 1000), 1), else_=0))
            for b in DURATION_BUCKETS
        ]
        with read_session(self.engine) as session:
            for status, conclusion, count in session.execute(
                select(ScanReport.status, ScanReport.conclusion, func.count()).group_by(
                    ScanReport.status, ScanReport.conclusion
                )
            ):
                scans.add_metric([status, conclusion or ""], count)
            row = session.execute(
                select(
                    func.count(ScanReport.duration_ms),
                    func.coalesce(func.sum(ScanReport.duration_ms), 0),
                    *bucket_columns,
                )
            ).one()
        yield scans
        count, total_ms, *buckets = (int(v or 0) for v in row)
        yield HistogramMetricFamily(
            "bastion_scan_duration_seconds",
            "Duration of finished scans.",
            buckets=[
                *((str(b), n) for b, n in zip(DURATION_BUCKETS, buckets, strict=True)),
                ("+Inf", count),
            ],
            sum_value=total_ms / 1000,
        )
        depth = GaugeMetricFamily(
            "bastion_queue_jobs", "Jobs in the queue, by status.", labels=["status"]
        )
        counts = self.jobs.counts()
        for status, n in counts.items():
            depth.add_metric([status.value], n)
        yield depth
        yield GaugeMetricFamily(
            "bastion_queue_depth",
            "Jobs waiting or running.",
            value=counts[JobStatus.QUEUED] + counts[JobStatus.RUNNING],
        )
        yield GaugeMetricFamily(
            "bastion_advisory_records",
            "Advisory records loaded in the local mirror.",
            value=LocalMirror(self.engine).record_count(),
        )


def build_registry(
    engine: Engine, jobs: JobStore, github_calls: ApiCallCounter
) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(engine, jobs))
    calls = Counter(
        "bastion_github_api_calls",
        "GitHub API calls made by this process, by operation and HTTP status.",
        ["operation", "status"],
        registry=registry,
    )
    github_calls.subscribe(lambda op, status: calls.labels(op, status).inc())
    return registry
