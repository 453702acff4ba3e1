"""The Dask overlay (k8s/overlays/dask): rendered with `kubectl kustomize`, validated offline.

Built-in objects are validated strictly by kubernetes-validate; the operator's DaskCluster
(no schema there) is checked for the fields the Dask Kubernetes Operator requires (worker
replicas and pod spec, scheduler pod spec and Service).  Then what the deployment relies on:
GPU workers, the service pointed at the operator's scheduler Service, the scheduler reachable
only from the mcdesk service and the cluster's own pods, and the deployment guide's commands
naming these files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_k8s_manifests import (
    CUSTOM_GROUPS,
    KUBERNETES_VERSION,
    container,
    kubernetes_validate,
    matches,
    one,
    render,
)

ROOT = Path(__file__).resolve().parents[1]
DASK_GROUP = "kubernetes.dask.org/"


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return render("overlays/dask")


def daskcluster(objects: list[dict]) -> dict:
    return one(objects, "DaskCluster", "mcdesk-dask")


def test_builtin_objects_validate_strictly(objects: list[dict]) -> None:
    builtin = [o for o in objects if not o["apiVersion"].startswith((*CUSTOM_GROUPS, DASK_GROUP))]
    assert len(builtin) >= 15
    for obj in builtin:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_daskcluster_has_the_operators_required_fields(objects: list[dict]) -> None:
    dc = daskcluster(objects)
    assert dc["apiVersion"] == "kubernetes.dask.org/v1"
    spec = dc["spec"]
    assert set(spec) == {"worker", "scheduler"}
    assert isinstance(spec["worker"]["replicas"], int) and spec["worker"]["replicas"] >= 1
    for part in ("worker", "scheduler"):
        pod = spec[part]["spec"]
        assert pod["containers"], part
        for c in pod["containers"]:
            assert c["name"] and c["image"] and c["args"], part
        # the pod specs are plain PodSpecs: strictly valid as such
        kubernetes_validate.validate({"apiVersion": "v1", "kind": "Pod",
                                      "metadata": {"name": f"check-{part}"}, "spec": pod},
                                     KUBERNETES_VERSION, strict=True)
    service = spec["scheduler"]["service"]
    kubernetes_validate.validate({"apiVersion": "v1", "kind": "Service",
                                  "metadata": {"name": "check"}, "spec": service},
                                 KUBERNETES_VERSION, strict=True)
    assert service["selector"] == {"dask.org/cluster-name": "mcdesk-dask",
                                   "dask.org/component": "scheduler"}
    ports = {p["name"]: p["port"] for p in service["ports"]}
    assert ports["tcp-comm"] == 8786
    sched = spec["scheduler"]["spec"]["containers"][0]
    assert sched["args"][0] == "dask-scheduler"
    assert {p["name"]: p["containerPort"] for p in sched["ports"]}["tcp-comm"] == 8786


def test_workers_request_a_gpu_and_run_the_service_image(objects: list[dict]) -> None:
    worker = daskcluster(objects)["spec"]["worker"]["spec"]["containers"][0]
    assert worker["args"][0] == "dask-worker"
    assert worker["resources"]["limits"]["nvidia.com/gpu"] == 1
    service = container(one(objects, "Deployment", "mcdesk-service"))
    assert worker["image"] == service["image"]
    assert re.fullmatch(r"[\w.-]+(/[\w.-]+)+:[\w.-]+", worker["image"])  # a registry, a tag
    sched = daskcluster(objects)["spec"]["scheduler"]["spec"]["containers"][0]
    assert sched["image"] == service["image"]


def test_service_is_pointed_at_the_scheduler_service(objects: list[dict]) -> None:
    env = {e["name"]: e.get("value") for e in container(one(objects, "Deployment",
                                                             "mcdesk-service"))["env"]}
    assert "MCDESK_BACKEND" not in env  # the base's (auto): small jobs in process as before
    assert int(env["MCDESK_DASK_MIN_TRIALS"]) == 50_000_000
    # the operator names the scheduler's Service <cluster name>-scheduler
    assert env["MCDESK_DASK_SCHEDULER"] == "tcp://mcdesk-dask-scheduler:8786"
    from engine.backends.dask import SCHEDULER_ENV

    assert SCHEDULER_ENV == "MCDESK_DASK_SCHEDULER"


def test_only_the_service_and_the_cluster_reach_the_dask_pods(objects: list[dict]) -> None:
    policy = one(objects, "NetworkPolicy", "mcdesk-dask")
    assert daskcluster(objects)["spec"]["scheduler"]["service"]["type"] == "ClusterIP"
    scheduler_pod = {"dask.org/cluster-name": "mcdesk-dask", "dask.org/component": "scheduler"}
    worker_pod = {"dask.org/cluster-name": "mcdesk-dask", "dask.org/component": "worker"}
    assert matches(policy["spec"]["podSelector"], scheduler_pod)
    assert matches(policy["spec"]["podSelector"], worker_pod)
    sources = [peer for rule in policy["spec"]["ingress"] for peer in rule["from"]]
    assert all(set(p) == {"podSelector"} for p in sources)  # no namespace or IP blocks
    service_pod = one(objects, "Deployment", "mcdesk-service")["spec"]["template"]["metadata"][
        "labels"]
    app_pod = one(objects, "Deployment", "mcdesk-app")["spec"]["template"]["metadata"]["labels"]
    allowed = [p["podSelector"] for p in sources]
    assert any(matches(s, service_pod) for s in allowed)
    assert any(matches(s, worker_pod) for s in allowed)
    assert not any(matches(s, app_pod) for s in allowed)


def test_the_guide_applies_this_overlay() -> None:
    guide = (ROOT / "docs" / "deploy-paperspace.md").read_text()
    assert "kubectl apply -k k8s/overlays/dask" in guide
    assert "kubernetes.dask.org" in guide or "dask-kubernetes-operator" in guide
    assert "--backend dask --scheduler" in guide
    for name in re.findall(r"k8s/overlays/dask/([\w.-]+\.yaml)", guide):
        assert (ROOT / "k8s" / "overlays" / "dask" / name).is_file(), name
