"""What one process counts for /metrics: one Prometheus registry per application.

The counters are bumped where the events already happen (the dispatcher, the
sender, the rate limiter, the tick job) and cost a dictionary lookup and an
addition each: the sender's hot path is benchmarked. The depths and the lease
holder are read from the database when /metrics is asked for (`bot.web`).
A registry of its own, not prometheus_client's global one, so that several
applications in one test process never add up.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics import MetricWrapperBase

# The sender's result statuses, as the metric's `outcome` label says them.
SEND_OUTCOMES = {
    "sent": "sent",
    "failed": "failed",
    "blocked": "blocked",
    "retry": "retried",
    "uncertain": "uncertain",
    "cancelled": "cancelled",
    "paused": "deferred",
}
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The counters, histograms and gauges of one running bot."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        count, gauge, timing = self._counter, self._gauge, self._histogram
        # Updates in (every replica counts its own; the depths are everyone's).
        self.updates_received = count("updates_received", "Updates this process stored")
        self.updates_handled = count("updates_handled", "Updates whose handler finished")
        self.updates_retried = count("updates_retried", "Handler failures tried again")
        self.updates_failed = count("updates_failed", "Updates given up after the last try")
        self.handler_seconds = timing("update_handler_seconds", "Claim to handler end")
        self.webhook_refused = count("webhook_refused", "Webhook posts without the secret")
        # What the bot sends on its own.
        self.sends = count("outbox_sends", "Outbox sends by kind and outcome", ("kind", "outcome"))
        self.send_seconds = timing("send_seconds", "Telegram's answer time to an outbox send")
        self.retry_after = count("telegram_429", "Answers of 429 Too Many Requests")
        self.tick_seconds = timing("tick_seconds", "Duration of one due scan")
        self.tick_due = count("tick_due", "Members found due by the due scans")
        self.tick_queued = count("tick_queued", "Sessions queued by the due scans")
        # Read from the database when /metrics is asked for.
        self.database_up = gauge("database_up", "1 when the database answered")
        self.inbox_depth = gauge("inbox_depth", "Updates stored and not handled yet")
        self.inbox_lag = gauge("inbox_lag_seconds", "Age of the oldest unhandled update")
        self.outbox_depth = gauge("outbox_pending", "Outbox messages waiting to be sent")
        self.sender_lease = gauge("sender_lease_held", "1 when this process holds the lease")
        self._send_children: dict[tuple[str, str], MetricWrapperBase] = {}

    def _counter(self, name: str, text: str, labels: tuple[str, ...] = ()) -> Counter:
        return Counter(f"bootcamp_{name}", text, labels, registry=self.registry)

    def _gauge(self, name: str, text: str) -> Gauge:
        return Gauge(f"bootcamp_{name}", text, registry=self.registry)

    def _histogram(self, name: str, text: str) -> Histogram:
        return Histogram(f"bootcamp_{name}", text, buckets=LATENCY_BUCKETS, registry=self.registry)

    def sent(self, kind: str, status: str, latency: float | None) -> None:
        """One outbox row's attempt ended with the sender's `status`."""
        key = (kind, status)
        child = self._send_children.get(key)
        if child is None:
            outcome = SEND_OUTCOMES.get(status, status)
            child = self._send_children[key] = self.sends.labels(kind=kind, outcome=outcome)
        child.inc()  # type: ignore[attr-defined]
        if latency is not None and status != "paused":
            self.send_seconds.observe(latency)

    def render(self) -> bytes:
        """The Prometheus text format of everything above."""
        return generate_latest(self.registry)
