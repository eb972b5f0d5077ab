"""OpenTelemetry tracing (FastAPI, SQLAlchemy, the bus) and Prometheus metrics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_propagator = TraceContextTextMapPropagator()
_provider_set = False


def setup_tracing(service: str) -> None:
    """Install a tracer provider once per process (exporters are configured by OTEL_* env)."""
    global _provider_set
    if _provider_set:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": f"frontdoor-{service}"}))
    try:  # an OTLP exporter is optional: installed and configured in production only
        import os

        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found]
                OTLPSpanExporter,
            )
            from opentelemetry.sdk.trace.export import BatchSpanProcessor

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    except ImportError:
        pass
    trace.set_tracer_provider(provider)
    _provider_set = True


def tracer() -> trace.Tracer:
    """The Frontdoor tracer."""
    return trace.get_tracer("frontdoor")


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, to carry in an event."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_from_headers(headers: Mapping[str, str]) -> otel_context.Context:
    """The trace context carried in Kafka headers."""
    return _propagator.extract(dict(headers))


class Metrics:
    """Prometheus metrics of one service instance, in their own registry."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_requests = Counter(
            "frontdoor_http_requests_total", "HTTP requests", ["service", "method", "route", "status"], registry=r
        )
        self.http_latency = Histogram(
            "frontdoor_http_request_seconds", "HTTP request latency", ["service", "method", "route"], registry=r
        )
        self.outbox_published = Counter(
            "frontdoor_outbox_published_total", "Outbox rows published", ["service"], registry=r
        )
        self.outbox_pending = Gauge(
            "frontdoor_outbox_pending", "Outbox rows not yet published", ["service"], registry=r
        )
        self.outbox_publish_latency = Histogram(
            "frontdoor_outbox_publish_seconds",
            "Commit to broker acknowledgement",
            ["service"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.outbox_republished = Counter(
            "frontdoor_outbox_republished_total",
            "Outbox rows re-published after a broker loss",
            ["service"],
            registry=r,
        )
        self.consumed = Counter(
            "frontdoor_events_consumed_total", "Events handled", ["service", "consumer", "outcome"], registry=r
        )
        self.consumer_lag = Gauge("frontdoor_consumer_lag", "Messages behind", ["service", "consumer"], registry=r)
        self.service = service

    def labels(self, metric: Any, **labels: str) -> Any:
        """The metric child with this service's label set."""
        return metric.labels(service=self.service, **labels)
