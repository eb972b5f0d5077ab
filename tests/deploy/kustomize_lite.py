"""A small, offline renderer for the subset of kustomize that deploy/k8s uses.

No kustomize binary can be installed from the registries these machines reach, so the
suite renders the overlays itself. The subset (anything else is refused, so the
kustomization files cannot drift outside what is rendered here):

- `resources`: YAML files and directories holding a kustomization.yaml (rendered recursively)
- `namespace`: set on every namespaced resource
- `labels`: `pairs` added to metadata.labels (`includeSelectors: false` only;
  `includeTemplates: true` also labels pod templates)
- `images`: `name` -> `newName` / `newTag` / `digest` in containers and initContainers
- `patches`: strategic merge (by the patch's own kind and name, or a target) and JSON 6902
  (a list of operations with a target)
- `configMapGenerator`: `literals`, `behavior` create or merge, with kustomize's name hash
  suffix and the references to it rewritten in pod specs

Where a kustomize binary exists (`kubectl kustomize`), the tests compare its output with
this renderer's, so the subset is checked against the real thing there.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED_KEYS = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "images",
    "patches",
    "configMapGenerator",
}
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PersistentVolume",
    "PriorityClass",
    "IngressClass",
}
# Strategic merge: lists of these fields merge by the key given; other lists are replaced.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "imagePullSecrets": "name",
}
# Built-in kinds get strategic merge; custom resources get JSON merge patch (lists replaced),
# which is what kustomize does for kinds it has no schema for.
BUILTIN_GROUPS = {"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1"}


class KustomizeError(Exception):
    """The kustomization is invalid or outside the supported subset."""


@dataclass
class Resource:
    """A rendered document, and the name a generator gave it before the hash suffix."""

    doc: dict[str, Any]
    generated: bool = False

    @property
    def key(self) -> tuple[str, str]:
        """(kind, name) identifies a resource within one build."""
        return self.doc["kind"], self.doc["metadata"]["name"]


@dataclass
class Build:
    """The result of rendering one kustomization directory."""

    resources: list[Resource] = field(default_factory=list)

    def find(self, kind: str, name: str) -> Resource | None:
        """The resource of that kind and (pre-hash) name, if any."""
        for r in self.resources:
            if r.key == (kind, name):
                return r
        return None


def _kustomization_file(directory: Path) -> Path:
    for name in KUSTOMIZATION_FILES:
        if (directory / name).is_file():
            return directory / name
    raise KustomizeError(f"{directory}: no kustomization.yaml")


def _load_docs(path: Path) -> list[dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    for d in docs:
        if not isinstance(d, dict) or "kind" not in d or "metadata" not in d or "name" not in d["metadata"]:
            raise KustomizeError(f"{path}: every document needs kind and metadata.name")
    return docs


def _build(directory: Path) -> Build:
    kfile = _kustomization_file(directory)
    k = yaml.safe_load(kfile.read_text()) or {}
    unknown = set(k) - SUPPORTED_KEYS
    if unknown:
        raise KustomizeError(f"{kfile}: fields outside the supported subset: {sorted(unknown)}")
    if k.get("kind", "Kustomization") != "Kustomization":
        raise KustomizeError(f"{kfile}: only kind Kustomization is supported")

    build = Build()
    for entry in k.get("resources", []):
        target = (directory / entry).resolve()
        if target.is_dir():
            sub = _build(target)
            for r in sub.resources:
                _add(build, r, kfile)
        elif target.is_file():
            for doc in _load_docs(target):
                _add(build, Resource(doc), kfile)
        else:
            raise KustomizeError(f"{kfile}: resource {entry} does not exist")

    for gen in k.get("configMapGenerator", []):
        _generate_configmap(build, gen, kfile)

    for patch in k.get("patches", []):
        _apply_patch(build, patch, directory, kfile)

    if "namespace" in k:
        for r in build.resources:
            if r.doc["kind"] not in CLUSTER_SCOPED:
                r.doc["metadata"]["namespace"] = k["namespace"]

    for label in k.get("labels", []):
        if label.get("includeSelectors", False):
            raise KustomizeError(f"{kfile}: labels.includeSelectors is not supported (selectors are immutable)")
        pairs = {str(a): str(b) for a, b in label.get("pairs", {}).items()}
        for r in build.resources:
            r.doc["metadata"].setdefault("labels", {}).update(pairs)
            if label.get("includeTemplates", False):
                template = r.doc.get("spec", {}).get("template")
                if isinstance(template, dict):
                    template.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)

    for image in k.get("images", []):
        for r in build.resources:
            for container in _containers(r.doc):
                _set_image(container, image)
    return build


def _add(build: Build, resource: Resource, kfile: Path) -> None:
    if build.find(*resource.key) is not None:
        raise KustomizeError(f"{kfile}: duplicate {resource.key}")
    build.resources.append(resource)


def _generate_configmap(build: Build, gen: dict[str, Any], kfile: Path) -> None:
    unknown = set(gen) - {"name", "behavior", "literals"}
    if unknown:
        raise KustomizeError(f"{kfile}: configMapGenerator fields outside the subset: {sorted(unknown)}")
    data: dict[str, str] = {}
    for literal in gen.get("literals", []):
        key, sep, value = literal.partition("=")
        if not sep:
            raise KustomizeError(f"{kfile}: literal {literal!r} has no '='")
        data[key] = value
    behavior = gen.get("behavior", "create")
    existing = build.find("ConfigMap", gen["name"])
    if behavior == "create":
        if existing is not None:
            raise KustomizeError(f"{kfile}: ConfigMap {gen['name']} exists; use behavior merge")
        doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": gen["name"]}, "data": data}
        build.resources.append(Resource(doc, generated=True))
    elif behavior == "merge":
        if existing is None or not existing.generated:
            raise KustomizeError(f"{kfile}: no generated ConfigMap {gen['name']} to merge into")
        existing.doc.setdefault("data", {}).update(data)
    else:
        raise KustomizeError(f"{kfile}: configMapGenerator behavior {behavior!r} is not supported")


def _matches(resource: Resource, target: dict[str, Any]) -> bool:
    unknown = set(target) - {"kind", "name", "group", "version"}
    if unknown:
        raise KustomizeError(f"patch target fields outside the subset: {sorted(unknown)}")
    doc = resource.doc
    group, _, version = doc["apiVersion"].rpartition("/")
    return bool(
        target.get("kind", doc["kind"]) == doc["kind"]
        and target.get("name", doc["metadata"]["name"]) == doc["metadata"]["name"]
        and target.get("group", group) == group
        and target.get("version", version) == version
    )


def _apply_patch(build: Build, patch: dict[str, Any], directory: Path, kfile: Path) -> None:
    unknown = set(patch) - {"path", "patch", "target"}
    if unknown:
        raise KustomizeError(f"{kfile}: patch fields outside the subset: {sorted(unknown)}")
    if "path" in patch:
        body = yaml.safe_load((directory / patch["path"]).read_text())
    elif "patch" in patch:
        body = yaml.safe_load(patch["patch"])
    else:
        raise KustomizeError(f"{kfile}: a patch needs path or patch")
    target = patch.get("target")
    if isinstance(body, list):
        if target is None:
            raise KustomizeError(f"{kfile}: a JSON 6902 patch needs a target")
        hits = [r for r in build.resources if _matches(r, target)]
        for r in hits:
            r.doc = json6902(r.doc, body)
    elif isinstance(body, dict):
        target = target or {"kind": body["kind"], "name": body["metadata"]["name"]}
        hits = [r for r in build.resources if _matches(r, target)]
        for r in hits:
            strategic = r.doc["apiVersion"] in BUILTIN_GROUPS
            patched = strategic_merge(r.doc, body, strategic=strategic)
            patched["metadata"]["name"] = r.doc["metadata"]["name"]  # a targeted patch never renames
            r.doc = patched
    else:
        raise KustomizeError(f"{kfile}: a patch must be a mapping or a list")
    if not hits:
        raise KustomizeError(f"{kfile}: patch target {target} matches no resource")


def strategic_merge(base: Any, patch: Any, *, strategic: bool = True, field_name: str = "") -> Any:
    """Merge `patch` into `base`: maps recursively (null deletes), keyed lists by their merge key."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = copy.deepcopy(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = strategic_merge(out[key], value, strategic=strategic, field_name=key)
            else:
                out[key] = copy.deepcopy(value)
        return out
    if strategic and isinstance(base, list) and isinstance(patch, list) and field_name in MERGE_KEYS:
        merge_key = MERGE_KEYS[field_name]
        out_list = copy.deepcopy(base)
        for item in patch:
            for i, existing in enumerate(out_list):
                if isinstance(existing, dict) and existing.get(merge_key) == item.get(merge_key):
                    out_list[i] = strategic_merge(existing, item, strategic=strategic, field_name=field_name)
                    break
            else:
                out_list.append(copy.deepcopy(item))
        return out_list
    return copy.deepcopy(patch)


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise KustomizeError(f"JSON pointer {path!r} must start with '/'")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc: Any, parts: list[str]) -> Any:
    for part in parts:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def json6902(doc: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply RFC 6902 add/remove/replace/test operations."""
    out = copy.deepcopy(doc)
    for op in operations:
        parts = _pointer(op["path"])
        parent = _walk(out, parts[:-1])
        last = parts[-1]
        kind = op["op"]
        try:
            if kind == "add":
                if isinstance(parent, list):
                    parent.insert(len(parent) if last == "-" else int(last), copy.deepcopy(op["value"]))
                else:
                    parent[last] = copy.deepcopy(op["value"])
            elif kind == "replace":
                index: Any = int(last) if isinstance(parent, list) else last
                if isinstance(parent, dict) and index not in parent:
                    raise KeyError(index)  # replace requires the target to exist
                parent[index] = copy.deepcopy(op["value"])
            elif kind == "remove":
                del parent[int(last) if isinstance(parent, list) else last]
            elif kind == "test":
                if _walk(out, parts) != op["value"]:
                    raise KustomizeError(f"JSON 6902 test failed at {op['path']}")
            else:
                raise KustomizeError(f"JSON 6902 op {kind!r} is not supported")
        except (KeyError, IndexError, ValueError) as exc:
            raise KustomizeError(f"JSON 6902 {kind} {op['path']}: no such location") from exc
    return out


def _pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    spec = doc.get("spec", {})
    if doc["kind"] == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    template = spec.get("template") if isinstance(spec, dict) else None
    if isinstance(template, dict):
        return template.get("spec")
    return None


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    pod = _pod_spec(doc)
    if pod is None:
        return []
    return [*pod.get("initContainers", []), *pod.get("containers", [])]


def _set_image(container: dict[str, Any], image: dict[str, Any]) -> None:
    ref = container.get("image", "")
    name = ref.split("@", 1)[0]
    tag = None
    if ":" in name.rsplit("/", 1)[-1]:
        name, tag = name.rsplit(":", 1)
    if name != image["name"]:
        return
    name = image.get("newName", name)
    if "digest" in image:
        container["image"] = f"{name}@{image['digest']}"
        return
    tag = image.get("newTag", tag)
    container["image"] = name + (f":{tag}" if tag else "")


def configmap_hash(data: dict[str, str]) -> str:
    """kustomize's content hash suffix of a ConfigMap.

    kustomize v5 hashes {"data", "kind", "name"}, but looks the name up with a path
    ("metadata/name") that never matches, so the name is always "": only the data counts.
    """
    encoded = json.dumps(
        {"data": data, "kind": "ConfigMap", "name": ""}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    digest = hashlib.sha256(encoded.encode()).hexdigest()
    return digest[:10].translate(str.maketrans("013ae", "ghkmt"))


def _rename_references(doc: dict[str, Any], renames: dict[str, str]) -> None:
    pod = _pod_spec(doc)
    if pod is None:
        return
    for volume in pod.get("volumes", []):
        if "configMap" in volume and volume["configMap"].get("name") in renames:
            volume["configMap"]["name"] = renames[volume["configMap"]["name"]]
        for source in volume.get("projected", {}).get("sources", []):
            if "configMap" in source and source["configMap"].get("name") in renames:
                source["configMap"]["name"] = renames[source["configMap"]["name"]]
    for container in _containers(doc):
        for env_from in container.get("envFrom", []):
            ref = env_from.get("configMapRef")
            if ref and ref.get("name") in renames:
                ref["name"] = renames[ref["name"]]
        for env in container.get("env", []):
            ref = env.get("valueFrom", {}).get("configMapKeyRef")
            if ref and ref.get("name") in renames:
                ref["name"] = renames[ref["name"]]


def render(directory: str | Path) -> list[dict[str, Any]]:
    """Render a kustomization directory to its list of manifests."""
    build = _build(Path(directory).resolve())
    renames: dict[str, str] = {}
    for r in build.resources:
        if r.generated:
            name = r.doc["metadata"]["name"]
            renames[name] = f"{name}-{configmap_hash(r.doc.get('data', {}))}"
            r.doc["metadata"]["name"] = renames[name]
    docs = [r.doc for r in build.resources]
    for doc in docs:
        _rename_references(doc, renames)
    return docs
