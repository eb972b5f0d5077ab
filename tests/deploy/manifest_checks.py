"""Checks on rendered manifests that the Kubernetes schemas cannot make.

Each check returns a list of problems (empty = fine), so a test can assert both that the
real manifests pass and that a deliberately broken copy is reported.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]


def _settings_fields(service: str) -> dict[str, Any]:
    """The fields of a service's Settings class (frontdoor_<service>.settings)."""
    fields: dict[str, Any] = importlib.import_module(f"frontdoor_{service}.settings").Settings.model_fields
    return fields


def discover_services(root: Path = REPO / "services") -> dict[str, int]:
    """Every service under services/ (a folder with a pyproject.toml and a frontdoor_<name>
    package with settings), with the port its settings default to, in port order."""
    ports = {}
    for folder in root.iterdir():
        if (folder / "pyproject.toml").is_file() and (folder / f"frontdoor_{folder.name}" / "settings.py").is_file():
            ports[folder.name] = int(_settings_fields(folder.name)["port"].default)
    return dict(sorted(ports.items(), key=lambda item: item[1]))


# Everything below is derived from the services' own settings, so a new folder under
# services/ is checked like the others without editing this file.
SERVICES = discover_services()
# routing is the one stateful service (a StatefulSet, one pod per shard); the rest scale freely.
STATELESS = tuple(s for s in SERVICES if s != "routing")
# A service whose outbox relay runs publishes frontdoor.<service>.v1 (the console does not).
PUBLISHERS = tuple(s for s in SERVICES if _settings_fields(s)["run_relay"].default)
TOPICS = [f"frontdoor.{s}.v1" for s in PUBLISHERS] + [f"frontdoor.{s}.v1.dlq" for s in PUBLISHERS]
# A service with an `<other>_url` setting calls that other service over HTTP.
REQUIRED_CALLS = {(s, o) for s in SERVICES for o in SERVICES if o != s and f"{o}_url" in _settings_fields(s)}
# The personal-data lifecycle (issue 17) calls the services' /internal/ endpoints (never on the ingress):
# members gathers every service's part of an access request; consumers open other services' sealed
# event fields (surveys: routing's, callbacks' and members' numbers and notices; callbacks: routing's).
REQUIRED_CALLS |= {("members", o) for o in ("routing", "agents", "callbacks", "surveys")}
REQUIRED_CALLS |= {("surveys", "routing"), ("surveys", "callbacks"), ("surveys", "members"), ("callbacks", "routing")}
# Services staff reach from a browser (they set cookies): on their own host, not the API's.
BROWSER_SERVICES = tuple(s for s in SERVICES if "cookie_secure" in _settings_fields(s))
API_SERVICES = tuple(s for s in SERVICES if s not in BROWSER_SERVICES)
API_HOST = "api.frontdoor.example.org"
KAFKA_CLUSTER = "frontdoor-kafka"
RUN_AS_USER = 10001
SECRET_WORDS = ("SECRET", "PASSWORD", "KEY", "TOKEN")
# Settings about a secret rather than the secret itself (CONSOLE_SERVICE_TOKEN_MODE, ..._TTL_S).
NOT_SECRET_SUFFIXES = ("_MODE", "_TTL_S", "_ISSUER", "_AUDIENCE")
# Public path -> the service that must answer it (the Ingress contract of issue 9).
PUBLIC_PATHS = {
    "/v1/queues": "routing",
    "/v1/queues/3f1c/stats": "routing",
    "/v1/calls": "routing",
    "/v1/calls/3f1c/answer": "routing",
    "/v1/offers/3f1c/accept": "routing",
    "/v1/kpis": "routing",
    "/v1/agents/3f1c/offers": "routing",
    "/v1/members": "members",
    "/v1/members/lookup": "members",
    "/v1/contacts/3f1c/verify": "members",
    "/v1/trends": "members",
    "/v1/agents": "agents",
    "/v1/agents/3f1c": "agents",
    "/v1/agents/3f1c/presence": "agents",
    "/v1/agents/3f1c/queues/9a2b": "agents",
    "/v1/presence": "agents",
    "/v1/opening": "agents",
    "/v1/workload": "agents",
    "/v1/callbacks": "callbacks",
    "/v1/callbacks/3f1c/attempts": "callbacks",
    "/v1/surveys": "surveys",
    "/v1/sms/inbound": "surveys",
    "/v1/satisfaction": "surveys",
    # Paths the services grew beyond the list (the suite also checks every OpenAPI path).
    "/v1/departments": "members",
    "/v1/invoices/3f1c": "members",
    "/v1/membership-changes/3f1c/confirm": "members",
    "/v1/tenant/settings": "members",
    "/v1/closures": "agents",
    "/v1/settings": "agents",
    "/v1/teams": "agents",
    "/v1/queues/3f1c/opening-hours": "agents",
    "/v1/survey-policy": "surveys",
}
NOT_PUBLIC = ("/metrics", "/healthz", "/readyz", "/admin/outbox/republish")
DNS_1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def by_kind(docs: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The documents of one kind."""
    return [d for d in docs if d["kind"] == kind]


def find(docs: Iterable[dict[str, Any]], kind: str, name: str) -> dict[str, Any] | None:
    """The document of that kind and name, if any."""
    return next((d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name), None)


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    """The pod spec of a workload or Job."""
    spec: dict[str, Any] = doc["spec"]["template"]["spec"]
    return spec


def workload_of(docs: list[dict[str, Any]], service: str) -> dict[str, Any] | None:
    """routing runs as a StatefulSet (one pod per shard), the others as Deployments."""
    return find(docs, "StatefulSet" if service == "routing" else "Deployment", service)


def pod_labels(workload: dict[str, Any]) -> list[dict[str, str]]:
    """The labels of each pod a workload makes, with those the StatefulSet controller adds."""
    labels = workload["spec"]["template"]["metadata"].get("labels", {})
    if workload["kind"] != "StatefulSet":
        return [labels]
    name = workload["metadata"]["name"]
    return [
        {**labels, "statefulset.kubernetes.io/pod-name": f"{name}-{i}", "apps.kubernetes.io/pod-index": str(i)}
        for i in range(workload["spec"].get("replicas", 1))
    ]


def _matches_selector(labels: dict[str, str], selector: dict[str, Any]) -> bool:
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _secret_like(name: str) -> bool:
    upper = name.upper()
    return any(word in upper for word in SECRET_WORDS) and not upper.endswith(NOT_SECRET_SUFFIXES)


def container_environment(
    docs: list[dict[str, Any]], workload: dict[str, Any], secret: Any, field: dict[str, str]
) -> dict[str, str]:
    """The environment a workload's first container would get: ConfigMaps, literals, and
    `secret(name, key, optional)` / `field[path]` for what comes from Secrets and the pod."""
    container = pod_spec(workload)["containers"][0]
    env: dict[str, str] = {}
    for ref in container.get("envFrom", []):
        if "configMapRef" in ref:
            env.update((find(docs, "ConfigMap", ref["configMapRef"]["name"]) or {}).get("data", {}))
    for item in container.get("env", []):
        source = item.get("valueFrom", {})
        if "value" in item:
            env[item["name"]] = item["value"]
        elif "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            value = secret(ref["name"], ref["key"], ref.get("optional", False))
            if value is not None:
                env[item["name"]] = value
        elif "fieldRef" in source:
            env[item["name"]] = field[source["fieldRef"]["fieldPath"]]
    return env


def check_pod_security(doc: dict[str, Any]) -> list[str]:
    """Non-root with a numeric UID, read-only root, no escalation, no capabilities, seccomp, no token."""
    where = f"{doc['kind']}/{doc['metadata']['name']}"
    pod = pod_spec(doc)
    problems = []
    if pod.get("automountServiceAccountToken") is not False:
        problems.append(f"{where}: automountServiceAccountToken must be false")
    if not pod.get("serviceAccountName"):
        problems.append(f"{where}: no serviceAccountName (the default account is shared)")
    if pod.get("enableServiceLinks") is not False:
        # A Service named `routing` would inject ROUTING_PORT=tcp://... into every pod,
        # which is the routing settings' own prefix.
        problems.append(f"{where}: enableServiceLinks must be false")
    psc = pod.get("securityContext", {})
    for container in [*pod.get("initContainers", []), *pod["containers"]]:
        c = f"{where}/{container['name']}"
        sc = container.get("securityContext", {})
        merged = {**psc, **sc}
        if merged.get("runAsNonRoot") is not True:
            problems.append(f"{c}: runAsNonRoot must be true")
        uid = merged.get("runAsUser")
        if not isinstance(uid, int) or uid == 0:
            problems.append(f"{c}: runAsUser must be a numeric non-root UID")
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{c}: readOnlyRootFilesystem must be true")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{c}: allowPrivilegeEscalation must be false")
        if sc.get("privileged", False):
            problems.append(f"{c}: must not be privileged")
        if "ALL" not in sc.get("capabilities", {}).get("drop", []) or sc.get("capabilities", {}).get("add"):
            problems.append(f"{c}: capabilities must drop ALL and add none")
        if merged.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{c}: seccompProfile must be RuntimeDefault")
        resources = container.get("resources", {})
        for part in ("requests", "limits"):
            for resource in ("cpu", "memory") if part == "requests" else ("memory",):
                if resource not in resources.get(part, {}):
                    problems.append(f"{c}: resources.{part}.{resource} missing")
        mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
        if "/tmp" not in mounts:
            problems.append(f"{c}: no writable /tmp volume (the root filesystem is read-only)")
    return problems


def check_probes(doc: dict[str, Any]) -> list[str]:
    """Liveness on /healthz and readiness on /readyz, on the container's HTTP port."""
    problems = []
    for container in pod_spec(doc)["containers"]:
        c = f"{doc['kind']}/{doc['metadata']['name']}/{container['name']}"
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            get = container.get(probe, {}).get("httpGet")
            if not get:
                problems.append(f"{c}: {probe} missing (must GET {path})")
                continue
            if get.get("path") != path:
                problems.append(f"{c}: {probe} must GET {path}, not {get.get('path')}")
            if get.get("port") not in ports and get.get("port") not in ports.values():
                problems.append(f"{c}: {probe} port {get.get('port')} is not a container port")
    return problems


def workload_config(docs: list[dict[str, Any]], workload: dict[str, Any]) -> dict[str, str]:
    """What the ConfigMaps a workload's first container reads (envFrom) set."""
    config: dict[str, str] = {}
    for ref in pod_spec(workload)["containers"][0].get("envFrom", []):
        cm = find(docs, "ConfigMap", ref.get("configMapRef", {}).get("name", ""))
        config.update(cm["data"] if cm else {})
    return config


def check_no_literal_secrets(docs: list[dict[str, Any]]) -> list[str]:
    """No Secret objects, no secret-looking env var with a literal value or in a ConfigMap."""
    problems = []
    for doc in docs:
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] == "Secret":
            problems.append(f"{where}: Secrets are created out of band, never committed")
        if doc["kind"] == "ConfigMap":
            problems += [f"{where}: {k} looks like a secret" for k in doc.get("data", {}) if _secret_like(k)]
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            for container in [*pod_spec(doc).get("initContainers", []), *pod_spec(doc)["containers"]]:
                for env in container.get("env", []):
                    if _secret_like(env["name"]) and "value" in env:
                        problems.append(f"{where}: env {env['name']} has a literal value; use secretKeyRef")
                    ref = env.get("valueFrom", {})
                    if _secret_like(env["name"]) and "secretKeyRef" not in ref:
                        problems.append(f"{where}: env {env['name']} must come from a Secret")
    return problems


def check_references(docs: list[dict[str, Any]]) -> list[str]:
    """Selectors select their pods; ConfigMaps, ServiceAccounts and scale targets exist."""
    problems = []
    workloads = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet", "Job")]
    pods = [(w, labels) for w in workloads for labels in pod_labels(w)]
    for w in workloads:
        where = f"{w['kind']}/{w['metadata']['name']}"
        pod = pod_spec(w)
        template_labels = w["spec"]["template"]["metadata"]["labels"]
        if w["kind"] != "Job" and not _matches_selector(template_labels, w["spec"]["selector"]):
            problems.append(f"{where}: selector does not match its own template")
        if pod.get("serviceAccountName") and not find(docs, "ServiceAccount", pod["serviceAccountName"]):
            problems.append(f"{where}: ServiceAccount {pod['serviceAccountName']} is not defined")
        names = [v["configMap"]["name"] for v in pod.get("volumes", []) if "configMap" in v]
        for container in pod["containers"]:
            names += [e["configMapRef"]["name"] for e in container.get("envFrom", []) if "configMapRef" in e]
        problems += [f"{where}: ConfigMap {n} is not defined" for n in names if not find(docs, "ConfigMap", n)]
    for svc in by_kind(docs, "Service"):
        selector = {"matchLabels": svc["spec"].get("selector", {})}
        if not any(_matches_selector(labels, selector) for w, labels in pods if w["kind"] != "Job"):
            problems.append(f"Service/{svc['metadata']['name']}: selects no pod")
        if any(_matches_selector(labels, selector) for w, labels in pods if w["kind"] == "Job"):
            problems.append(f"Service/{svc['metadata']['name']}: also selects migration Job pods")
    for pdb in by_kind(docs, "PodDisruptionBudget"):
        if not any(_matches_selector(labels, pdb["spec"]["selector"]) for _w, labels in pods):
            problems.append(f"PodDisruptionBudget/{pdb['metadata']['name']}: selects no pod")
    for hpa in by_kind(docs, "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        if not find(docs, ref["kind"], ref["name"]):
            problems.append(f"HorizontalPodAutoscaler/{hpa['metadata']['name']}: target {ref['name']} missing")
    for doc in docs:
        name = doc["metadata"]["name"]
        pattern = DNS_1035_LABEL if doc["kind"] == "Service" else DNS_1123_SUBDOMAIN
        if not pattern.match(name) or len(name) > (63 if doc["kind"] == "Service" else 253):
            problems.append(f"{doc['kind']}/{name}: not a valid name for its kind")
    return problems


def check_services(docs: list[dict[str, Any]]) -> list[str]:
    """Every service has its workload, Service, account, PDB, policy, migration Job (and HPA if stateless)."""
    problems = []
    for service, port in SERVICES.items():
        workload = workload_of(docs, service)
        if workload is None:
            problems.append(f"{service}: no {'StatefulSet' if service == 'routing' else 'Deployment'}")
            continue
        for kind in ("Service", "ServiceAccount", "PodDisruptionBudget", "NetworkPolicy"):
            if not find(docs, kind, service):
                problems.append(f"{service}: no {kind}")
        job = find(docs, "Job", f"{service}-migrate")
        if job is None:
            problems.append(f"{service}: no migration Job")
        else:
            command = pod_spec(job)["containers"][0].get("command", [])
            if command != ["python", "-m", f"frontdoor_{service}", "migrate"]:
                problems.append(f"{service}: the migration Job must run `python -m frontdoor_{service} migrate`")
            problems += check_pod_security(job)
        container = pod_spec(workload)["containers"][0]
        command = " ".join(container.get("command", []))
        if f"python -m frontdoor_{service} serve" not in command:
            problems.append(f"{service}: the workload must run `python -m frontdoor_{service} serve`")
        # the HTTP port first, named http (members adds its SMTP intake after it)
        ports = container.get("ports", [])
        if not ports or (ports[0]["containerPort"], ports[0].get("name")) != (port, "http"):
            problems.append(f"{service}: must listen on {port}")
        config = workload_config(docs, workload)
        prefix = service.upper()
        if config.get(f"{prefix}_HOST") != "0.0.0.0":
            problems.append(f"{service}: {prefix}_HOST must be 0.0.0.0 (the default 127.0.0.1 is unreachable)")
        if config.get(f"{prefix}_ENVIRONMENT") != "production":
            problems.append(f"{service}: {prefix}_ENVIRONMENT must be production (refuses development secrets)")
        if not config.get("KAFKA_BOOTSTRAP_SERVERS"):
            problems.append(f"{service}: KAFKA_BOOTSTRAP_SERVERS is not set")
        env = {e["name"]: e for e in container.get("env", [])}
        db = env.get(f"{prefix}_DATABASE_URL", {}).get("valueFrom", {}).get("secretKeyRef", {})
        if db.get("name") != f"{service}-db-app" or db.get("key") != "uri":
            problems.append(f"{service}: {prefix}_DATABASE_URL must come from the {service}-db-app Secret's uri")
        problems += check_probes(workload) + check_pod_security(workload)
        hpas = [h for h in by_kind(docs, "HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == service]
        if service in STATELESS and not hpas:
            problems.append(f"{service}: stateless, so it needs a HorizontalPodAutoscaler")
        if service == "routing":
            problems += check_routing_shards(docs)
    return problems


def check_routing_shards(docs: list[dict[str, Any]]) -> list[str]:
    """routing: a StatefulSet, no HPA, one shard map entry per ordinal, disjoint tenants."""
    problems = []
    sts = find(docs, "StatefulSet", "routing")
    if sts is None:
        return ["routing: no StatefulSet"]
    if any(h["spec"]["scaleTargetRef"]["name"] == "routing" for h in by_kind(docs, "HorizontalPodAutoscaler")):
        problems.append("routing: must not be autoscaled (a shard is a set of tenants, not spare capacity)")
    pdb = find(docs, "PodDisruptionBudget", "routing")
    if pdb is None or pdb["spec"].get("maxUnavailable") != 1:
        problems.append("routing: PodDisruptionBudget must be maxUnavailable 1")
    volumes = {v["name"]: v for v in pod_spec(sts).get("volumes", [])}
    shard_map = find(docs, "ConfigMap", volumes.get("shards", {}).get("configMap", {}).get("name", ""))
    if shard_map is None:
        return [*problems, "routing: the shard map ConfigMap is not mounted"]
    replicas = sts["spec"].get("replicas", 1)
    expected = {f"shard-{i}.json" for i in range(replicas)}
    if set(shard_map["data"]) != expected:
        problems.append(f"routing: shard map has {sorted(shard_map['data'])}, the StatefulSet needs {sorted(expected)}")
    seen: dict[str, str] = {}
    for key, value in shard_map["data"].items():
        tenants = json.loads(value)
        if not isinstance(tenants, list):
            problems.append(f"routing: {key} must be a JSON list of tenant ids")
            continue
        if not tenants and replicas > 1:
            problems.append(f"routing: {key} is [] (every tenant) but there are {replicas} shards")
        for tenant in tenants:
            if tenant in seen:
                problems.append(f"routing: tenant {tenant} is in {seen[tenant]} and {key}")
            seen[tenant] = key
    return problems


def _policy_allows(
    policies: list[dict[str, Any]], pod: dict[str, str], peer: dict[str, str], port: int, way: str
) -> bool:
    """Whether the policies selecting `pod` let traffic with `peer` on `port` (same namespace)."""
    kind = "Ingress" if way == "ingress" else "Egress"
    selecting = [
        p for p in policies if kind in p["spec"]["policyTypes"] and _matches_selector(pod, p["spec"]["podSelector"])
    ]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get(way, []):
            peers = rule.get("from" if way == "ingress" else "to", [])
            peer_ok = not peers or any(
                "podSelector" in p and "namespaceSelector" not in p and _matches_selector(peer, p["podSelector"])
                for p in peers
            )
            ports = rule.get("ports", [])
            port_ok = not ports or any(p.get("port") == port for p in ports)
            if peer_ok and port_ok:
                return True
    return False


def strimzi_policies(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The NetworkPolicies Strimzi writes for each listener (from its networkPolicyPeers)."""
    policies = []
    for kafka in by_kind(docs, "Kafka"):
        for listener in kafka["spec"]["kafka"].get("listeners", []):
            rule: dict[str, Any] = {"ports": [{"port": listener["port"]}]}
            if listener.get("networkPolicyPeers"):
                rule["from"] = listener["networkPolicyPeers"]
            selector = {"matchLabels": {"strimzi.io/cluster": kafka["metadata"]["name"], "strimzi.io/kind": "Kafka"}}
            policies.append(
                {
                    "kind": "NetworkPolicy",
                    "metadata": {"name": f"strimzi-{listener['name']}"},
                    "spec": {"podSelector": selector, "policyTypes": ["Ingress"], "ingress": [rule]},
                }
            )
    return policies


def flow_allowed(docs: list[dict[str, Any]], source: dict[str, str], dest: dict[str, str], port: int) -> bool:
    """Whether a pod labelled `source` may open a connection to a pod labelled `dest` on `port`."""
    policies = by_kind(docs, "NetworkPolicy") + strimzi_policies(docs)
    return _policy_allows(policies, source, dest, port, "egress") and _policy_allows(
        policies, dest, source, port, "ingress"
    )


def server_labels(docs: list[dict[str, Any]], service: str) -> dict[str, str]:
    """The labels of a service's pods."""
    workload = workload_of(docs, service)
    return workload["spec"]["template"]["metadata"]["labels"] if workload else {}


KAFKA_POD = {"strimzi.io/cluster": KAFKA_CLUSTER, "strimzi.io/kind": "Kafka", "app.kubernetes.io/part-of": "frontdoor"}


def db_pod(service: str) -> dict[str, str]:
    """The labels CloudNativePG puts on an instance of a service's cluster."""
    return {"cnpg.io/cluster": f"{service}-db", "cnpg.io/podRole": "instance", "app.kubernetes.io/part-of": "frontdoor"}


def check_network_policies(docs: list[dict[str, Any]]) -> list[str]:
    """Default deny; exactly the flows of the design: HTTP calls, Kafka, each service's own database."""
    problems = []
    deny = [
        p
        for p in by_kind(docs, "NetworkPolicy")
        if p["spec"]["podSelector"] == {} and "Ingress" in p["spec"]["policyTypes"] and not p["spec"].get("ingress")
    ]
    if not deny:
        problems.append("no default-deny ingress NetworkPolicy")
    for src in SERVICES:
        source = server_labels(docs, src)
        if not flow_allowed(docs, source, KAFKA_POD, 9092):
            problems.append(f"{src} cannot reach Kafka")
        for other in SERVICES:
            allowed = flow_allowed(docs, source, db_pod(other), 5432)
            if allowed != (other == src):
                problems.append(f"{src} -> {other}-db is {'allowed' if allowed else 'denied'}")
            if other != src:
                allowed = flow_allowed(docs, source, server_labels(docs, other), SERVICES[other])
                if allowed != ((src, other) in REQUIRED_CALLS):
                    problems.append(f"{src} -> {other} HTTP is {'allowed' if allowed else 'denied'}")
        job = find(docs, "Job", f"{src}-migrate")
        if job is not None:
            job_labels = job["spec"]["template"]["metadata"]["labels"]
            if not flow_allowed(docs, job_labels, db_pod(src), 5432):
                problems.append(f"{src}'s migration Job cannot reach its database")
            if flow_allowed(docs, job_labels, KAFKA_POD, 9092):
                problems.append(f"{src}'s migration Job can reach Kafka (it needs only its database)")
        # The ingress controller and Prometheus come from other namespaces: a namespaceSelector rule.
        policy = find(docs, "NetworkPolicy", src)
        froms = [p for rule in (policy or {}).get("spec", {}).get("ingress", []) for p in rule.get("from", [])]
        namespaces = {
            p.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name") for p in froms
        }
        for needed in ("ingress-nginx", "monitoring"):
            if needed not in namespaces:
                problems.append(f"{src}: no ingress from namespace {needed}")
    return problems


def nginx_backend(ingresses: list[dict[str, Any]], path: str, host: str = API_HOST) -> str | None:
    """ingress-nginx with use-regex: locations sorted longest first, first case-insensitive prefix match wins.

    Only the rules of `host` count: each host is its own nginx server block."""
    rules: list[tuple[str, str]] = []
    for ing in ingresses:
        for rule in ing["spec"]["rules"]:
            if rule.get("host") != host:
                continue
            for p in rule["http"]["paths"]:
                rules.append((p["path"], p["backend"]["service"]["name"]))
    for pattern, service in sorted(rules, key=lambda r: len(r[0]), reverse=True):
        if re.match(pattern, path, re.IGNORECASE):
            return service
    return None


def check_ingress(docs: list[dict[str, Any]]) -> list[str]:
    """Each public path reaches its service; the offer stream wins over /v1/agents and is unbuffered."""
    problems = []
    ingresses = by_kind(docs, "Ingress")
    for ing in ingresses:
        if ing["metadata"].get("annotations", {}).get("nginx.ingress.kubernetes.io/use-regex") != "true":
            problems.append(f"Ingress/{ing['metadata']['name']}: paths are regexes; use-regex must be on")
        for rule in ing["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                backend = p["backend"]["service"]
                svc = find(docs, "Service", backend["name"])
                if svc is None or backend["port"].get("name") not in {q.get("name") for q in svc["spec"]["ports"]}:
                    problems.append(f"Ingress/{ing['metadata']['name']}: {p['path']} -> {backend} does not exist")
    for path, service in PUBLIC_PATHS.items():
        got = nginx_backend(ingresses, path)
        if got != service:
            problems.append(f"{path} reaches {got}, not {service}")
    for path in NOT_PUBLIC:
        if nginx_backend(ingresses, path) is not None:
            problems.append(f"{path} must not be public")
    stream = [
        ing
        for ing in ingresses
        if any(
            "offers" in p["path"] and "agents" in p["path"] for r in ing["spec"]["rules"] for p in r["http"]["paths"]
        )
    ]
    if not stream:
        problems.append("no Ingress for the offer stream")
    for ing in stream:
        ann = ing["metadata"].get("annotations", {})
        if ann.get("nginx.ingress.kubernetes.io/proxy-buffering") != "off":
            problems.append(f"Ingress/{ing['metadata']['name']}: server-sent events need proxy-buffering off")
        if int(ann.get("nginx.ingress.kubernetes.io/proxy-read-timeout", "60")) < 3600:
            problems.append(f"Ingress/{ing['metadata']['name']}: server-sent events need a long read timeout")
    return problems


FALSE_WORDS = ("0", "false", "no", "off", "f", "n")


def browser_host(docs: list[dict[str, Any]], service: str) -> str | None:
    """The host browsers reach a browser-facing service on: its <PREFIX>_PUBLIC_URL's."""
    workload = workload_of(docs, service)
    url = workload_config(docs, workload).get(f"{service.upper()}_PUBLIC_URL", "") if workload else ""
    return urlsplit(url).hostname


def check_browser_ingress(
    docs: list[dict[str, Any]], routes: dict[str, list[str]] | None = None, streams: dict[str, list[str]] | None = None
) -> list[str]:
    """A browser-facing service (the console): its own host, HTTPS only, Secure cookies.

    Its public URL is https on a host that only it serves; every Ingress on that host has
    TLS for it and does not switch the HTTPS redirect off; cookies are not made insecure;
    the operational paths are not public there. With `routes` (service -> sample paths of
    its pages), each must reach it; with `streams` (its server-sent event paths), each must
    reach an Ingress with buffering off and a long read timeout."""
    problems = []
    ingresses = by_kind(docs, "Ingress")
    for service in BROWSER_SERVICES:
        prefix = service.upper()
        workload = workload_of(docs, service)
        if workload is None:
            continue  # check_services reports it
        config = workload_config(docs, workload)
        url = config.get(f"{prefix}_PUBLIC_URL", "")
        host = urlsplit(url).hostname
        if urlsplit(url).scheme != "https" or not host:
            problems.append(f"{service}: {prefix}_PUBLIC_URL must be its https:// address, not {url!r}")
            continue
        if config.get(f"{prefix}_COOKIE_SECURE", "true").strip().lower() in FALSE_WORDS:
            problems.append(f"{service}: {prefix}_COOKIE_SECURE must not switch Secure cookies off")
        on_host = [ing for ing in ingresses if any(r.get("host") == host for r in ing["spec"]["rules"])]
        if not on_host:
            problems.append(f"{service}: no Ingress for {host}")
        for ing in on_host:
            where = f"Ingress/{ing['metadata']['name']}"
            backends = {
                p["backend"]["service"]["name"]
                for r in ing["spec"]["rules"]
                if r.get("host") == host
                for p in r["http"]["paths"]
            }
            if backends != {service}:
                problems.append(f"{where}: {host} must reach {service} only, not {sorted(backends - {service})}")
            if not any(host in tls.get("hosts", []) and tls.get("secretName") for tls in ing["spec"].get("tls", [])):
                problems.append(f"{where}: no TLS for {host} (its cookies are Secure: HTTPS only)")
            annotations = ing["metadata"].get("annotations", {})
            for key in ("ssl-redirect", "force-ssl-redirect"):
                if annotations.get(f"nginx.ingress.kubernetes.io/{key}") == "false":
                    problems.append(f"{where}: {key} must not be off")
            if annotations.get("nginx.ingress.kubernetes.io/use-regex") != "true":
                problems.append(f"{where}: paths are regexes; use-regex must be on")
        for path in NOT_PUBLIC:
            if nginx_backend(ingresses, path, host) is not None:
                problems.append(f"{host}{path} must not be public")
        for path in (routes or {}).get(service, []):
            got = nginx_backend(ingresses, path, host)
            if got != service:
                problems.append(f"{host}{path} reaches {got}, not {service}")
        for path in (streams or {}).get(service, []):
            winner = _nginx_ingress(ingresses, path, host)
            ann = winner["metadata"].get("annotations", {}) if winner else {}
            if ann.get("nginx.ingress.kubernetes.io/proxy-buffering") != "off":
                problems.append(f"{host}{path}: server-sent events need proxy-buffering off")
            if int(ann.get("nginx.ingress.kubernetes.io/proxy-read-timeout", "60")) < 3600:
                problems.append(f"{host}{path}: server-sent events need a long read timeout")
    return problems


def _nginx_ingress(ingresses: list[dict[str, Any]], path: str, host: str) -> dict[str, Any] | None:
    """The Ingress whose rule ingress-nginx picks for `path` on `host` (its annotations apply)."""
    rules = [
        (p["path"], ing)
        for ing in ingresses
        for rule in ing["spec"]["rules"]
        if rule.get("host") == host
        for p in rule["http"]["paths"]
    ]
    for pattern, ing in sorted(rules, key=lambda r: len(r[0]), reverse=True):
        if re.match(pattern, path, re.IGNORECASE):
            return ing
    return None


def check_kafka(docs: list[dict[str, Any]], *, min_brokers: int = 3) -> list[str]:
    """Strimzi's Kafka, node pool and topics: the shape the operator needs and the durability we need."""
    problems = []
    kafkas = by_kind(docs, "Kafka")
    if len(kafkas) != 1:
        return [f"expected one Kafka, found {len(kafkas)}"]
    kafka = kafkas[0]
    if kafka["apiVersion"] != "kafka.strimzi.io/v1beta2" or kafka["metadata"]["name"] != KAFKA_CLUSTER:
        problems.append("Kafka: must be kafka.strimzi.io/v1beta2 named frontdoor-kafka")
    spec = kafka.get("spec", {}).get("kafka", {})
    config = spec.get("config", {})
    for key, want in (
        ("default.replication.factor", 3),
        ("min.insync.replicas", 2),
        ("offsets.topic.replication.factor", 3),
        ("transaction.state.log.min.isr", 2),
    ):
        if int(config.get(key, 0)) != want:
            problems.append(f"Kafka: {key} must be {want}")
    if str(config.get("auto.create.topics.enable")).lower() != "false":
        problems.append("Kafka: topics are declared as KafkaTopics; auto.create.topics.enable must be false")
    if not any(lst.get("port") == 9092 and lst.get("type") == "internal" for lst in spec.get("listeners", [])):
        problems.append("Kafka: no internal listener on 9092 (KAFKA_BOOTSTRAP_SERVERS)")
    annotations = kafka["metadata"].get("annotations", {})
    pools = [
        p for p in by_kind(docs, "KafkaNodePool") if p["metadata"]["labels"].get("strimzi.io/cluster") == KAFKA_CLUSTER
    ]
    if annotations.get("strimzi.io/node-pools") != "enabled" or annotations.get("strimzi.io/kraft") != "enabled":
        problems.append("Kafka: KRaft with node pools must be enabled by annotation")
    roles = {role for p in pools for role in p["spec"].get("roles", [])}
    if roles != {"controller", "broker"}:
        problems.append(f"KafkaNodePool: roles {sorted(roles)} must cover controller and broker")
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"].get("roles", []))
    if brokers < max(min_brokers, 3):
        problems.append(f"KafkaNodePool: {brokers} brokers cannot hold replication factor 3")
    for pool in pools:
        if pool["spec"].get("storage", {}).get("type") not in ("jbod", "persistent-claim"):
            problems.append(f"KafkaNodePool/{pool['metadata']['name']}: storage must be persistent")
    topics = {t["spec"].get("topicName", t["metadata"]["name"]): t for t in by_kind(docs, "KafkaTopic")}
    if sorted(topics) != sorted(TOPICS):
        problems.append(f"KafkaTopics {sorted(topics)} != {sorted(TOPICS)}")
    for name, topic in topics.items():
        tspec = topic["spec"]
        if topic["apiVersion"] != "kafka.strimzi.io/v1beta2":
            problems.append(f"KafkaTopic/{name}: apiVersion must be kafka.strimzi.io/v1beta2")
        if topic["metadata"].get("labels", {}).get("strimzi.io/cluster") != KAFKA_CLUSTER:
            problems.append(f"KafkaTopic/{name}: strimzi.io/cluster label must name {KAFKA_CLUSTER}")
        if not isinstance(tspec.get("partitions"), int) or tspec["partitions"] < 1:
            problems.append(f"KafkaTopic/{name}: partitions must be a positive integer")
        if tspec.get("replicas") != 3:
            problems.append(f"KafkaTopic/{name}: replicas must be 3")
        if int(tspec.get("config", {}).get("min.insync.replicas", 0)) != 2:
            problems.append(f"KafkaTopic/{name}: min.insync.replicas must be 2")
        if int(tspec.get("config", {}).get("retention.ms", 0)) <= 0:
            problems.append(f"KafkaTopic/{name}: retention.ms must be set")
    return problems


def check_postgres(docs: list[dict[str, Any]], *, min_instances: int = 1) -> list[str]:
    """One CloudNativePG Cluster per service, its database and owner named after the service."""
    problems = []
    clusters = {c["metadata"]["name"]: c for c in by_kind(docs, "Cluster")}
    if sorted(clusters) != sorted(f"{s}-db" for s in SERVICES):
        problems.append(f"PostgreSQL clusters {sorted(clusters)}: expected one per service")
    for name, cluster in clusters.items():
        service = name.removesuffix("-db")
        spec = cluster["spec"]
        if cluster["apiVersion"] != "postgresql.cnpg.io/v1":
            problems.append(f"Cluster/{name}: apiVersion must be postgresql.cnpg.io/v1")
        initdb = spec.get("bootstrap", {}).get("initdb", {})
        if initdb.get("database") != service or initdb.get("owner") != service:
            problems.append(f"Cluster/{name}: initdb must create database and owner {service}")
        if not isinstance(spec.get("instances"), int) or spec["instances"] < min_instances:
            problems.append(f"Cluster/{name}: needs at least {min_instances} instances")
        if not spec.get("storage", {}).get("size"):
            problems.append(f"Cluster/{name}: storage.size is required")
        sync_min, sync_max = spec.get("minSyncReplicas", 0), spec.get("maxSyncReplicas", 0)
        if sync_min > sync_max or (sync_max and sync_max >= spec.get("instances", 1)):
            problems.append(f"Cluster/{name}: synchronous replicas must be fewer than the instances")
    return problems


POOL_PER_PROCESS = 30  # frontdoor_common.db: pool_size 10 + max_overflow 20
RESERVED_CONNECTIONS = 20  # the migration Job, the operator, an operator's psql


def check_connection_budget(docs: list[dict[str, Any]]) -> list[str]:
    """The most pods a service can run, times its pool, fits its database's max_connections."""
    problems = []
    for service in SERVICES:
        cluster = find(docs, "Cluster", f"{service}-db")
        workload = workload_of(docs, service)
        if cluster is None or workload is None:
            continue
        hpa = next(
            (h for h in by_kind(docs, "HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == service),
            None,
        )
        pods = hpa["spec"]["maxReplicas"] if hpa else workload["spec"].get("replicas", 1)
        limit = int(cluster["spec"].get("postgresql", {}).get("parameters", {}).get("max_connections", "100"))
        if pods * POOL_PER_PROCESS > limit - RESERVED_CONNECTIONS:
            problems.append(f"{service}: {pods} pods x {POOL_PER_PROCESS} connections exceed {service}-db's {limit}")
    return problems


def check_monitoring(docs: list[dict[str, Any]]) -> list[str]:
    """A ServiceMonitor scrapes /metrics of every service's Service."""
    monitors = by_kind(docs, "ServiceMonitor")
    problems = []
    if not monitors:
        return ["no ServiceMonitor"]
    for service in SERVICES:
        svc = find(docs, "Service", service)
        ok = svc is not None and any(
            m["apiVersion"] == "monitoring.coreos.com/v1"
            and _matches_selector(svc["metadata"].get("labels", {}), m["spec"]["selector"])
            and any(e.get("path") == "/metrics" and e.get("port") == "http" for e in m["spec"]["endpoints"])
            for m in monitors
        )
        if not ok:
            problems.append(f"{service}: /metrics is not scraped by a ServiceMonitor")
    return problems


def check_all(docs: list[dict[str, Any]], *, min_db_instances: int = 1) -> list[str]:
    """Every check above."""
    return [
        *check_services(docs),
        *check_no_literal_secrets(docs),
        *check_references(docs),
        *check_network_policies(docs),
        *check_ingress(docs),
        *check_browser_ingress(docs),
        *check_kafka(docs),
        *check_postgres(docs, min_instances=min_db_instances),
        *check_monitoring(docs),
        *check_connection_budget(docs),
    ]
