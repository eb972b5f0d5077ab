"""deploy/: the image definition and the kustomize overlays, rendered and checked offline.

No cluster, container engine or kustomize binary is needed: the overlays are rendered by
tests/deploy/kustomize_lite.py, validated against the Kubernetes 1.31 schemas that
kubernetes-validate bundles, and checked for what the schemas cannot see. Where kubectl is
installed, its kustomize must produce exactly the same manifests.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import kubernetes_validate
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("base", "overlays/dev", "overlays/production")
DEPLOYED = ("overlays/dev", "overlays/production")  # what is applied; base is checked through them
KUBERNETES_VERSION = "1.31"
CUSTOM_RESOURCES = {
    ("kafka.strimzi.io/v1beta2", "Kafka"),
    ("kafka.strimzi.io/v1beta2", "KafkaNodePool"),
    ("kafka.strimzi.io/v1beta2", "KafkaTopic"),
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
}


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"frontdoor_deploy_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


kustomize = _load("kustomize_lite")
checks = _load("manifest_checks")
containerfile = _load("containerfile_checks")


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    """Every overlay, rendered once for the module."""
    return {overlay: kustomize.render(K8S / overlay) for overlay in OVERLAYS}


def _mutated(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return copy.deepcopy(docs)


# --- rendering and schemas -----------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_renders_the_whole_platform(rendered: dict[str, list[dict[str, Any]]], overlay: str) -> None:
    kinds = {d["kind"] for d in rendered[overlay]}
    assert {"Deployment", "StatefulSet", "Job", "Service", "Ingress", "NetworkPolicy", "Kafka", "Cluster"} <= kinds
    keys = [(d["kind"], d["metadata"]["name"]) for d in rendered[overlay]]
    assert len(keys) == len(set(keys)), "a resource is rendered twice"
    if overlay != "base":
        namespace = next(d["metadata"]["name"] for d in rendered[overlay] if d["kind"] == "Namespace")
        assert {d["metadata"].get("namespace") for d in rendered[overlay] if d["kind"] != "Namespace"} == {namespace}


@pytest.mark.parametrize("overlay", DEPLOYED)
def test_every_manifest_is_valid_against_the_kubernetes_schemas(
    rendered: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    errors, unvalidated = [], set()
    for doc in rendered[overlay]:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.utils.SchemaNotFoundError:
            unvalidated.add((doc["apiVersion"], doc["kind"]))
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {str(exc).splitlines()[0]}")
    assert errors == []
    # Only the operators' custom resources lack a bundled schema; manifest_checks covers their shape.
    assert unvalidated == CUSTOM_RESOURCES


def test_the_schema_validation_rejects_an_unknown_field(rendered: dict[str, list[dict[str, Any]]]) -> None:
    deployment = copy.deepcopy(checks.find(rendered["overlays/production"], "Deployment", "members"))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessprobe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl here: the renderer is not compared")
@pytest.mark.parametrize("overlay", DEPLOYED)
def test_the_renderer_agrees_with_kubectl_kustomize(rendered: dict[str, list[dict[str, Any]]], overlay: str) -> None:
    out = subprocess.run(
        ["kubectl", "kustomize", str(K8S / overlay)], capture_output=True, text=True, timeout=120, check=True
    ).stdout

    def keyed(docs: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
        return {(d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"]): d for d in docs}

    theirs = keyed([d for d in yaml.safe_load_all(out) if d])
    ours = keyed(rendered[overlay])
    assert sorted(ours) == sorted(theirs)
    assert [k for k in ours if ours[k] != theirs[k]] == []


# --- the platform checks on the real manifests ---------------------------------------------


def test_the_services_checked_are_the_folders_under_services() -> None:
    folders = {p.name for p in (REPO / "services").iterdir() if (p / "pyproject.toml").is_file()}
    assert set(checks.SERVICES) == folders
    assert checks.SERVICES["console"] == 8006 and checks.SERVICES["routing"] == 8001
    # What is derived from each service's settings: who publishes, whom it calls, who is a browser's.
    assert "console" not in checks.PUBLISHERS and "frontdoor.console.v1" not in checks.TOPICS
    privacy = {("members", s) for s in ("routing", "agents", "callbacks", "surveys")} | {
        ("surveys", "routing"),
        ("surveys", "callbacks"),
        ("surveys", "members"),
        ("callbacks", "routing"),
    }  # issue 17: the access export and sealed event fields' keys
    assert {("routing", "members"), ("routing", "agents"), ("callbacks", "agents"), ("callbacks", "members")} | {
        ("console", s) for s in checks.SERVICES if s != "console"
    } | privacy == checks.REQUIRED_CALLS
    assert checks.BROWSER_SERVICES == ("console",) and "console" in checks.STATELESS


def test_a_service_folder_without_manifests_is_reported(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = [
        d
        for d in rendered["overlays/production"]
        if d["metadata"].get("labels", {}).get("app.kubernetes.io/name") != "console"
    ]
    assert "console: no Deployment" in checks.check_services(docs)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_passes_the_platform_checks(rendered: dict[str, list[dict[str, Any]]], overlay: str) -> None:
    minimum = 3 if overlay == "overlays/production" else 1
    assert checks.check_all(rendered[overlay], min_db_instances=minimum) == []


def test_the_dev_overlay_is_small(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["overlays/dev"]
    assert {h["spec"]["minReplicas"] for h in checks.by_kind(docs, "HorizontalPodAutoscaler")} == {1}
    assert checks.find(docs, "StatefulSet", "routing")["spec"]["replicas"] == 1
    assert {c["spec"]["instances"] for c in checks.by_kind(docs, "Cluster")} == {1}
    for workload in checks.by_kind(docs, "Deployment"):
        assert workload["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"] == "128Mi"


def test_production_runs_three_pods_of_each_stateless_service_on_distinct_nodes(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    docs = rendered["overlays/production"]
    hpas = checks.by_kind(docs, "HorizontalPodAutoscaler")
    assert sorted(h["spec"]["scaleTargetRef"]["name"] for h in hpas) == sorted(checks.STATELESS)
    assert all(h["spec"]["minReplicas"] >= 3 for h in hpas)
    for workload in checks.by_kind(docs, "Deployment"):
        spread = workload["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert spread[0]["whenUnsatisfiable"] == "DoNotSchedule"
    for cluster in checks.by_kind(docs, "Cluster"):
        assert cluster["spec"]["instances"] == 3 and cluster["spec"]["minSyncReplicas"] == 1
    config = {c["metadata"]["name"].rsplit("-", 1)[0]: c["data"] for c in checks.by_kind(docs, "ConfigMap")}
    for service in checks.SERVICES:
        assert config[f"{service}-config"][f"{service.upper()}_JWT_JWKS_URL"].startswith("https://")


_ORDINAL = {"metadata.labels['apps.kubernetes.io/pod-index']": "0"}


def _fake_secret(overlay: str) -> Any:
    from cryptography.fernet import Fernet

    def secret(name: str, key: str, optional: bool) -> str | None:
        if optional and overlay == "overlays/production" and name == "frontdoor-jwt":
            return None  # production verifies tokens with the JWKS only
        values = {
            "uri": f"postgresql://app:pw@{name.removesuffix('-app')}-rw:5432/app",
            "data-keys": json.dumps([Fernet.generate_key().decode()]),
        }
        return values.get(key, f"test-{name}-{key}-0123456789abcdef0123456789abcdef")

    return secret


@pytest.mark.parametrize("overlay", ["overlays/dev", "overlays/production"])
@pytest.mark.parametrize("service", list(checks.SERVICES))
def test_the_service_accepts_the_environment_the_manifests_give_it(
    rendered: dict[str, list[dict[str, Any]]], overlay: str, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = rendered[overlay]
    field = {"metadata.labels['apps.kubernetes.io/pod-index']": "0"}
    settings_class = importlib.import_module(f"frontdoor_{service}.settings").Settings
    prefix = f"{service.upper()}_"
    for workload in (checks.workload_of(docs, service), checks.find(docs, "Job", f"{service}-migrate")):
        env = checks.container_environment(docs, workload, _fake_secret(overlay), field)
        if workload["kind"] == "StatefulSet":
            shard_map = next(
                c for c in checks.by_kind(docs, "ConfigMap") if c["metadata"]["name"].startswith("routing-shards")
            )
            env["ROUTING_TENANTS"] = shard_map["data"]["shard-0.json"]  # what the entrypoint exports
        for name in list(os.environ):
            if name.startswith((prefix, "FRONTDOOR_", "KAFKA_")):
                monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        # Every prefixed variable the manifests set is a setting of the service (no typo is silently ignored).
        unknown = [
            n for n in env if n.startswith(prefix) and n.removeprefix(prefix).lower() not in settings_class.model_fields
        ]
        assert unknown in ([], ["ROUTING_SHARD"]), unknown
        settings = settings_class()  # production refuses development secrets: this is the pod's start
        assert settings.environment == "production"
        assert (settings.host, settings.port) == ("0.0.0.0", checks.SERVICES[service])
        assert settings.effective_database_url.startswith("postgresql://")
        assert settings.kafka_bootstrap_servers == "frontdoor-kafka-kafka-bootstrap:9092"
        assert (settings.jwt_jwks_url is not None) == (overlay == "overlays/production")


def test_every_workload_runs_a_service_module_that_exists(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for doc in rendered["overlays/production"]:
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            container = doc["spec"]["template"]["spec"]["containers"][0]
            command = " ".join(container["command"])
            module = command.split("python -m ", 1)[1].split()[0]
            assert (REPO / "services" / module.removeprefix("frontdoor_") / module / "__main__.py").is_file()
            assert container["image"] == "frontdoor:0.1.0"


def test_every_path_the_services_serve_reaches_them_through_the_ingress(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    ingresses = checks.by_kind(rendered["overlays/production"], "Ingress")
    unrouted = []
    for service in checks.API_SERVICES:
        app = importlib.import_module(f"frontdoor_{service}.app").create_app()
        for template in app.openapi()["paths"]:
            if template.startswith(("/healthz", "/readyz", "/metrics", "/admin/")):
                continue
            if template.startswith("/internal/"):  # service to service only: never on the ingress
                assert checks.nginx_backend(ingresses, re.sub(r"\{[^}]+\}", "3f1c", template)) is None, template
                continue
            path = re.sub(r"\{[^}]+\}", "3f1c", template)
            if checks.nginx_backend(ingresses, path) != service:
                unrouted.append(f"{template} ({service})")
    # Add a rule for each to deploy/k8s/base/platform/ingress.yaml.
    assert unrouted == []


OPERATIONAL = ("/healthz", "/readyz", "/metrics", "/admin/outbox/", "/openapi.json", "/docs", "/redoc", "/internal/")


def _page_paths(service: str) -> list[str]:
    """A concrete path for every route of a browser-facing service's app (pages, forms, event
    streams, a static file), but the operational ones and the API documentation."""
    from fastapi.routing import iter_route_contexts
    from starlette.routing import Mount

    app = importlib.import_module(f"frontdoor_{service}.app").create_app()
    paths = []
    for route in iter_route_contexts(app.routes):
        if not route.path or route.path.startswith(OPERATIONAL):
            continue
        path = re.sub(r"\{[^}]+\}", "3f1c", route.path)
        paths.append(f"{path}/file.css" if isinstance(route.original_route, Mount) else path)
    return paths


@pytest.fixture(scope="module")
def pages() -> dict[str, list[str]]:
    """The page paths of each browser-facing service."""
    return {service: _page_paths(service) for service in checks.BROWSER_SERVICES}


def _streams(pages: dict[str, list[str]]) -> dict[str, list[str]]:
    return {service: [p for p in paths if p.endswith("/events")] for service, paths in pages.items()}


def test_every_page_of_the_console_reaches_it_on_its_own_https_host(
    rendered: dict[str, list[dict[str, Any]]], pages: dict[str, list[str]]
) -> None:
    assert checks.BROWSER_SERVICES == ("console",)
    assert {"/", "/signin", "/desk", "/desk/events", "/wallboard/events", "/static/file.css"} <= set(pages["console"])
    assert len(_streams(pages)["console"]) >= 2
    for overlay in DEPLOYED:
        docs = rendered[overlay]
        assert checks.check_browser_ingress(docs, pages, _streams(pages)) == []
        host = checks.browser_host(docs, "console")
        assert host == "console.frontdoor.example.org" != checks.API_HOST
        ingresses = checks.by_kind(docs, "Ingress")
        # The console is not on the API's host, and the API is not on the console's.
        assert checks.nginx_backend(ingresses, "/desk") is None
        assert checks.nginx_backend(ingresses, "/v1/members", host) is None
        assert checks.nginx_backend(ingresses, "/admin/outbox/republish", host) is None


def test_a_console_page_without_a_rule_or_a_buffered_stream_is_reported(
    rendered: dict[str, list[dict[str, Any]]], pages: dict[str, list[str]]
) -> None:
    docs = [d for d in rendered["overlays/production"] if d["metadata"]["name"] != "frontdoor-console-events"]
    problems = checks.check_browser_ingress(docs, {"console": [*pages["console"], "/reports/today"]}, _streams(pages))
    assert "console.frontdoor.example.org/reports/today reaches None, not console" in problems
    assert "console.frontdoor.example.org/desk/events: server-sent events need proxy-buffering off" in problems


def test_a_console_served_over_plain_http_or_with_insecure_cookies_is_reported(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    docs = _mutated(rendered["overlays/production"])
    config = next(c for c in checks.by_kind(docs, "ConfigMap") if c["metadata"]["name"].startswith("console-config"))
    config["data"]["CONSOLE_COOKIE_SECURE"] = "False"
    ingress = checks.find(docs, "Ingress", "frontdoor-console")
    ingress["spec"]["tls"] = []
    ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"] = "false"
    # A catch-all rule would also publish the operational paths on the console's host.
    ingress["spec"]["rules"][0]["http"]["paths"].append(
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "console", "port": {"name": "http"}}}}
    )
    problems = checks.check_browser_ingress(docs)
    assert "console: CONSOLE_COOKIE_SECURE must not switch Secure cookies off" in problems
    assert (
        "Ingress/frontdoor-console: no TLS for console.frontdoor.example.org (its cookies are Secure: HTTPS only)"
        in problems
    )
    assert "Ingress/frontdoor-console: force-ssl-redirect must not be off" in problems
    assert "console.frontdoor.example.org/metrics must not be public" in problems
    config["data"]["CONSOLE_PUBLIC_URL"] = "http://console.frontdoor.example.org"
    assert checks.check_browser_ingress(docs) == [
        "console: CONSOLE_PUBLIC_URL must be its https:// address, not 'http://console.frontdoor.example.org'"
    ]


@pytest.mark.parametrize("overlay", DEPLOYED)
def test_the_console_starts_with_secure_cookies_and_openid_connect(
    rendered: dict[str, list[dict[str, Any]]], overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontdoor_console.settings import Settings

    docs = rendered[overlay]
    env = checks.container_environment(docs, checks.workload_of(docs, "console"), _fake_secret(overlay), {})
    for name in list(os.environ):
        if name.startswith(("CONSOLE_", "FRONTDOOR_", "KAFKA_")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.production and settings.secure_cookies and not settings.dev_signin_enabled
    assert settings.oidc_enabled and settings.oidc_client_secret == _fake_secret(overlay)(
        "console-oidc", "client-secret", False
    )
    assert settings.public_url == f"https://{checks.browser_host(docs, 'console')}"
    assert settings.routing_url == "http://routing:8001" and settings.surveys_url == "http://surveys:8005"
    if overlay == "overlays/production":
        # The services verify only the provider's tokens there: the console forwards the user's.
        assert settings.service_token_mode == "oidc" and settings.signing_secret is None
    else:
        # dev: minted with the services' shared HS256 secret (frontdoor-jwt), the one they verify.
        routing = checks.container_environment(
            docs, checks.workload_of(docs, "routing"), _fake_secret(overlay), _ORDINAL
        )
        assert settings.service_token_mode == "mint"
        assert settings.signing_secret is not None and settings.signing_secret == routing["ROUTING_JWT_SECRET"]


def test_the_readme_documents_every_secret_the_manifests_read(rendered: dict[str, list[dict[str, Any]]]) -> None:
    readme = (K8S / "README.md").read_text()
    names = set()
    for doc in rendered["overlays/production"]:
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            for container in doc["spec"]["template"]["spec"]["containers"]:
                names |= {e.get("valueFrom", {}).get("secretKeyRef", {}).get("name") for e in container.get("env", [])}
                names |= {e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e}
    names.discard(None)
    assert names and [n for n in names if f"`{n}`" not in readme] == []


# --- the checks can fail --------------------------------------------------------------


def test_a_deployment_without_its_readiness_probe_is_reported(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = _mutated(rendered["overlays/production"])
    del checks.find(docs, "Deployment", "agents")["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    assert checks.check_services(docs) == ["Deployment/agents/agents: readinessProbe missing (must GET /readyz)"]


def test_a_liveness_probe_on_the_wrong_path_is_reported(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = _mutated(rendered["overlays/dev"])
    sts = checks.find(docs, "StatefulSet", "routing")
    sts["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["path"] = "/readyz"
    assert any("livenessProbe must GET /healthz" in p for p in checks.check_services(docs))


def test_a_container_that_may_escalate_or_write_its_root_is_reported(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    docs = _mutated(rendered["overlays/production"])
    pod = checks.find(docs, "Deployment", "surveys")["spec"]["template"]["spec"]
    pod["automountServiceAccountToken"] = True
    security = pod["containers"][0]["securityContext"]
    security["readOnlyRootFilesystem"] = False
    security["allowPrivilegeEscalation"] = True
    security["capabilities"] = {"add": ["NET_ADMIN"]}
    del pod["containers"][0]["resources"]["limits"]
    problems = checks.check_services(docs)
    for fragment in (
        "automountServiceAccountToken",
        "readOnlyRootFilesystem",
        "allowPrivilegeEscalation",
        "capabilities",
        "resources.limits.memory",
    ):
        assert any(fragment in p for p in problems), fragment


def test_a_literal_secret_is_reported(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = _mutated(rendered["overlays/dev"])
    container = checks.find(docs, "Deployment", "members")["spec"]["template"]["spec"]["containers"][0]
    container["env"].append({"name": "MEMBERS_JWT_SECRET", "value": "hunter2"})
    docs.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "leak"}, "stringData": {"a": "b"}})
    problems = checks.check_no_literal_secrets(docs)
    assert "Deployment/members: env MEMBERS_JWT_SECRET has a literal value; use secretKeyRef" in problems
    assert "Secret/leak: Secrets are created out of band, never committed" in problems
    # A setting about a secret is not one; the secret itself still is.
    console = checks.find(docs, "Deployment", "console")["spec"]["template"]["spec"]["containers"][0]
    console["env"].append({"name": "CONSOLE_SERVICE_TOKEN_MODE", "value": "mint"})
    console["env"].append({"name": "CONSOLE_SERVICE_TOKEN_SECRET", "value": "hunter2"})
    problems = checks.check_no_literal_secrets(docs)
    assert "Deployment/console: env CONSOLE_SERVICE_TOKEN_SECRET has a literal value; use secretKeyRef" in problems
    assert not any("CONSOLE_SERVICE_TOKEN_MODE" in p for p in problems)


def test_a_console_that_cannot_reach_a_service_is_reported(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = _mutated(rendered["overlays/production"])
    policy = checks.find(docs, "NetworkPolicy", "surveys")
    policy["spec"]["ingress"] = [r for r in policy["spec"]["ingress"] if "console" not in json.dumps(r)]
    assert checks.check_network_policies(docs) == ["console -> surveys HTTP is denied"]


def test_a_missing_migration_job_and_pdb_are_reported(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = [
        d
        for d in rendered["overlays/production"]
        if (d["kind"], d["metadata"]["name"]) not in {("Job", "callbacks-migrate"), ("PodDisruptionBudget", "surveys")}
    ]
    problems = checks.check_services(docs)
    assert "callbacks: no migration Job" in problems and "surveys: no PodDisruptionBudget" in problems


def test_an_allow_all_network_policy_is_caught(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = _mutated(rendered["overlays/production"])
    docs.append(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "allow-all"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"], "ingress": [{}], "egress": [{}]},
        }
    )
    problems = checks.check_network_policies(docs)
    assert "agents -> members HTTP is allowed" in problems
    assert "members -> routing-db is allowed" in problems


def test_the_flows_the_design_needs_are_open_and_no_others(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["overlays/production"]
    labels = {s: checks.server_labels(docs, s) for s in checks.SERVICES}
    assert checks.flow_allowed(docs, labels["routing"], labels["members"], 8002)
    assert checks.flow_allowed(docs, labels["routing"], labels["agents"], 8003)
    assert checks.flow_allowed(docs, labels["callbacks"], labels["agents"], 8003)
    for service, port in checks.SERVICES.items():
        if service != "console":
            assert checks.flow_allowed(docs, labels["console"], labels[service], port)
            assert not checks.flow_allowed(docs, labels[service], labels["console"], 8006)
    assert checks.flow_allowed(docs, labels["console"], checks.KAFKA_POD, 9092)
    assert checks.flow_allowed(docs, labels["console"], checks.db_pod("console"), 5432)
    assert not checks.flow_allowed(docs, labels["console"], checks.db_pod("members"), 5432)
    assert checks.flow_allowed(docs, labels["members"], labels["routing"], 8001)  # the access export (issue 17)
    assert not checks.flow_allowed(docs, labels["agents"], labels["members"], 8002)
    assert not checks.flow_allowed(docs, labels["routing"], labels["members"], 5432)
    assert not checks.flow_allowed(docs, {"app": "stranger"}, checks.KAFKA_POD, 9092)


def test_the_offer_stream_must_win_over_the_agents_service(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = [d for d in rendered["overlays/production"] if d["metadata"]["name"] != "frontdoor-offer-stream"]
    problems = checks.check_ingress(docs)
    assert "/v1/agents/3f1c/offers reaches agents, not routing" in problems


def test_kafka_below_three_replicas_or_two_in_sync_is_reported(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = _mutated(rendered["overlays/production"])
    checks.find(docs, "Kafka", "frontdoor-kafka")["spec"]["kafka"]["config"]["min.insync.replicas"] = 1
    checks.find(docs, "KafkaTopic", "frontdoor.members.v1")["spec"]["replicas"] = 2
    checks.find(docs, "KafkaNodePool", "dual-role")["spec"]["replicas"] = 1
    problems = checks.check_kafka(docs)
    assert "Kafka: min.insync.replicas must be 2" in problems
    assert "KafkaTopic/frontdoor.members.v1: replicas must be 3" in problems
    assert "KafkaNodePool: 1 brokers cannot hold replication factor 3" in problems


def test_a_database_shared_between_services_is_reported(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = _mutated(rendered["overlays/production"])
    checks.find(docs, "Cluster", "surveys-db")["spec"]["bootstrap"]["initdb"]["database"] = "members"
    assert checks.check_postgres(docs) == ["Cluster/surveys-db: initdb must create database and owner surveys"]


def test_an_autoscaler_that_could_exhaust_the_database_connections_is_reported(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    docs = _mutated(rendered["overlays/production"])
    checks.find(docs, "HorizontalPodAutoscaler", "callbacks")["spec"]["maxReplicas"] = 12
    assert checks.check_connection_budget(docs) == ["callbacks: 12 pods x 30 connections exceed callbacks-db's 300"]


def test_a_shard_map_that_misses_an_ordinal_or_shares_a_tenant_is_reported(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    docs = _mutated(rendered["overlays/production"])
    checks.find(docs, "StatefulSet", "routing")["spec"]["replicas"] = 2
    problems = checks.check_routing_shards(docs)
    assert any("the StatefulSet needs ['shard-0.json', 'shard-1.json']" in p for p in problems)
    assert "routing: shard-0.json is [] (every tenant) but there are 2 shards" in problems
    shard_map = next(c for c in checks.by_kind(docs, "ConfigMap") if c["metadata"]["name"].startswith("routing-shards"))
    shard_map["data"] = {"shard-0.json": json.dumps(["t1", "t2"]), "shard-1.json": json.dumps(["t2"])}
    assert checks.check_routing_shards(docs) == ["routing: tenant t2 is in shard-0.json and shard-1.json"]


def _run_routing_entrypoint(
    docs: list[dict[str, Any]], shards: Path, ordinal: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    container = checks.find(docs, "StatefulSet", "routing")["spec"]["template"]["spec"]["containers"][0]
    script = container["command"][2]
    probe = f"{sys.executable} -c 'from frontdoor_routing.settings import Settings; print(Settings().tenants)'"
    script = script.replace("/etc/frontdoor/shards", str(shards))
    script = script.replace("python -m frontdoor_routing serve", probe)
    assert container["command"][:2] == ["/bin/sh", "-c"] and probe in script
    return subprocess.run(
        ["/bin/sh", "-c", script],
        env={**env, "ROUTING_SHARD": ordinal},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_routing_pod_serves_the_tenants_of_its_ordinal_and_refuses_to_start_without_an_entry(
    rendered: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    (tmp_path / "shard-1.json").write_text(json.dumps(["tenant-a", "tenant-b"]))
    env = {"PATH": os.pathsep.join([os.environ.get("PATH", ""), "/usr/bin", "/bin"])}  # cat, as in the image
    served = _run_routing_entrypoint(rendered["overlays/production"], tmp_path, "1", env)
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip() == "['tenant-a', 'tenant-b']"
    missing = _run_routing_entrypoint(rendered["overlays/production"], tmp_path, "2", env)
    assert missing.returncode != 0 and missing.stdout == ""


def test_routing_must_not_be_autoscaled(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = _mutated(rendered["overlays/production"])
    hpa = copy.deepcopy(checks.find(docs, "HorizontalPodAutoscaler", "members"))
    hpa["metadata"]["name"] = "routing"
    hpa["spec"]["scaleTargetRef"] = {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "routing"}
    docs.append(hpa)
    assert any("must not be autoscaled" in p for p in checks.check_routing_shards(docs))


# --- the image --------------------------------------------------------------------------


def test_the_image_builds_from_files_that_exist() -> None:
    assert containerfile.check(REPO / "deploy" / "Containerfile", REPO) == []
    parsed = containerfile.stages(containerfile.parse((REPO / "deploy" / "Containerfile").read_text()))
    assert [s.name for s in parsed] == ["builder", "runtime"]


def _broken_context(tmp_path: Path, edit: str, replacement: str) -> list[str]:
    text = (REPO / "deploy" / "Containerfile").read_text()
    assert edit in text
    target = tmp_path / "Containerfile"
    target.write_text(text.replace(edit, replacement))
    problems: list[str] = containerfile.check(target, REPO)
    return problems


def test_the_image_checker_reports_a_file_that_does_not_exist(tmp_path: Path) -> None:
    problems = _broken_context(tmp_path, "COPY services/surveys/", "COPY services/sms/")
    assert any("services/sms/ does not exist in the build context" in p for p in problems)


def test_the_image_checker_reports_root_and_unpinned_installs(tmp_path: Path) -> None:
    problems = _broken_context(tmp_path, "USER 10001:10001", "USER root")
    assert any("numeric, non-root UID" in p for p in problems)
    problems = _broken_context(tmp_path, "--require-hashes -r requirements.txt", "-r requirements.txt")
    assert "requirements.txt must be installed with --require-hashes" in problems


def test_the_image_checker_reports_a_file_hidden_by_dockerignore() -> None:
    patterns = containerfile.dockerignore_patterns(REPO)
    assert not containerfile.ignored(patterns, "services/routing/pyproject.toml")
    assert containerfile.ignored(patterns, "services/routing/tests/test_x.py")
    assert containerfile.ignored(patterns, ".venv/bin/python")
    assert containerfile.ignored([*patterns, (False, "services")], "services/routing/pyproject.toml")


def test_the_image_parser_refuses_an_unknown_instruction() -> None:
    with pytest.raises(containerfile.ContainerfileError, match="unknown instruction"):
        containerfile.parse("FROM python:3.11-slim\nCOPPY a b\n")


def test_every_service_folder_is_in_the_image() -> None:
    assert containerfile.check_services(REPO / "deploy" / "Containerfile", REPO, checks.SERVICES) == []


def test_the_image_checker_reports_a_service_left_out(tmp_path: Path) -> None:
    text = (REPO / "deploy" / "Containerfile").read_text()
    for edit in ("COPY services/console/ services/console/\n", " ./services/console", ", frontdoor_console", " 8006"):
        assert edit in text
        text = text.replace(edit, "\n" if edit.startswith("COPY") else "")
    (tmp_path / "Containerfile").write_text(text)
    assert containerfile.check_services(tmp_path / "Containerfile", REPO, checks.SERVICES) == [
        "console: services/console/ is not copied into the image",
        "console: ./services/console is not installed",
        "console: frontdoor_console is not imported at build time",
        "console: port 8006 is not exposed",
    ]
    hidden = REPO / ".dockerignore"
    assert not containerfile.ignored(containerfile.dockerignore_patterns(REPO), "services/console/x/static/a.js")
    assert containerfile.ignored([(False, "**/*.po")], "services/console/frontdoor_console/i18n/nb.po")
    assert hidden.is_file()


# --- the packages: what a regular install puts in the image ------------------------------


def _build_wheel(source: Path, tmp_path: Path) -> set[str]:
    """Build the wheel of a copy of `source` (so the build leaves nothing in the tree), offline
    and without build isolation, as the image does; return the files it holds."""
    copy_dir = tmp_path / source.name
    shutil.copytree(
        source, copy_dir, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "build", "*.egg-info")
    )
    out = tmp_path / "wheel"
    built = subprocess.run(
        [sys.executable, "-c", "import sys, setuptools.build_meta as b; print(b.build_wheel(sys.argv[1]))", str(out)],
        cwd=copy_dir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    with zipfile.ZipFile(out / built.stdout.strip().splitlines()[-1]) as wheel:
        return set(wheel.namelist())


def _left_out(source: Path, files: set[str]) -> list[str]:
    """The files of a service's package (Python or not) that its wheel does not hold."""
    package = source / f"frontdoor_{source.name}"
    expected = [
        p.relative_to(source).as_posix()
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    ]
    return sorted(f for f in expected if f not in files)


# Files inside a package that its wheel may leave out, each with why (none is read at run time).
NOT_SHIPPED = {
    # `make simulate` passes it by its path in the repository; the service never opens it.
    "frontdoor_routing/planning/examples/union-day.json",
}


@pytest.mark.parametrize("service", list(checks.SERVICES))
def test_the_wheel_of_every_service_holds_every_file_of_its_package(service: str, tmp_path: Path) -> None:
    source = REPO / "services" / service
    files = _build_wheel(source, tmp_path)
    assert [f for f in _left_out(source, files) if f not in NOT_SHIPPED] == []
    if service == "console":
        # What the console reads at run time: the pages, the browser's files, the catalogues.
        for needed in ("templates/base.html", "static/htmx.min.js", "i18n/locales/nb/LC_MESSAGES/console.po"):
            assert f"frontdoor_console/{needed}" in files


def test_a_wheel_without_the_console_templates_is_reported(tmp_path: Path) -> None:
    source = tmp_path / "src" / "console"
    shutil.copytree(REPO / "services" / "console", source, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    pyproject = source / "pyproject.toml"
    text = pyproject.read_text()
    assert '"templates/**/*.html", ' in text
    pyproject.write_text(text.replace('"templates/**/*.html", ', ""))
    missing = _left_out(source, _build_wheel(source, tmp_path))
    assert "frontdoor_console/templates/base.html" in missing
    assert all(m.startswith("frontdoor_console/templates/") for m in missing)


# --- the renderer itself ---------------------------------------------------------------


def test_the_renderer_refuses_fields_outside_its_subset(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("namePrefix: x-\nresources: []\n")
    with pytest.raises(kustomize.KustomizeError, match="namePrefix"):
        kustomize.render(tmp_path)


def test_the_renderer_merges_containers_by_name_and_patches_by_pointer() -> None:
    base = {"spec": {"containers": [{"name": "a", "image": "x", "env": [{"name": "A", "value": "1"}]}]}}
    patch = {"spec": {"containers": [{"name": "a", "env": [{"name": "B", "value": "2"}]}, {"name": "b"}]}}
    merged = kustomize.strategic_merge(base, patch)
    assert merged["spec"]["containers"][0] == {
        "name": "a",
        "image": "x",
        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
    }
    assert [c["name"] for c in merged["spec"]["containers"]] == ["a", "b"]
    assert kustomize.strategic_merge({"a": 1, "b": 2}, {"b": None}) == {"a": 1}
    patched = kustomize.json6902(merged, [{"op": "replace", "path": "/spec/containers/1/name", "value": "c"}])
    assert patched["spec"]["containers"][1]["name"] == "c"
    with pytest.raises(kustomize.KustomizeError):
        kustomize.json6902(merged, [{"op": "replace", "path": "/spec/nothing", "value": 1}])


def test_a_configmap_change_changes_its_name_so_pods_roll() -> None:
    assert kustomize.configmap_hash({"k": "v"}) == "bdg947hgcc"  # what kustomize v5 prints for k=v
    assert kustomize.configmap_hash({"k": "v"}) != kustomize.configmap_hash({"k": "w"})
