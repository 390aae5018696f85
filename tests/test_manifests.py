"""The Kubernetes manifests and the image, checked as a reviewer would and started as the pod
starts: the image's environment, then the Secret's and the container's, a read-only root with
only the declared volumes writable (a mount namespace of its own, as root), as the pod's uid
where the interpreter is reachable by it, against the local Slack stand-in and, when the
machine has PostgreSQL 15, a real database for STS_DATABASE_URL.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.log_guard import assert_clean
from tests.postgres import missing
from tests.slack_stub import SECRET, SlackStub, sign, slash_body

REPO = Path(__file__).resolve().parent.parent
K8S = REPO / "deploy" / "k8s"
DOCKERFILE = (REPO / "deploy" / "Dockerfile").read_text()


def documents(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]


def one(kind: str) -> dict:
    found = [d for name in _resources() for d in documents(name) if d["kind"] == kind]
    assert len(found) == 1, (kind, len(found))
    return found[0]


def _resources() -> list[str]:
    return documents("kustomization.yaml")[0]["resources"]


PODS = {
    "deployment": lambda: one("Deployment")["spec"]["template"]["spec"],
    "cronjob": lambda: one("CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"],
}


def image_user() -> tuple[int, int]:
    uid = int(re.search(r"useradd [^\n]*--uid (\d+)", DOCKERFILE).group(1))
    gid = int(re.search(r"groupadd [^\n]*--gid (\d+)", DOCKERFILE).group(1))
    assert re.search(rf"^USER {uid}:{gid}$", DOCKERFILE, re.M)
    assert f"chown {uid}:{gid} /state" in DOCKERFILE
    return uid, gid


def image_env() -> dict[str, str]:
    block = re.search(r"^ENV ((?:[^\n]*\\\n)*[^\n]*)$", DOCKERFILE, re.M).group(1)
    return dict(re.findall(r"(\w+)=(\S+)", block.replace("\\\n", " ")))


def test_kustomization_names_files_that_parse():
    kinds = {d["kind"] for name in _resources() for d in documents(name)}
    assert {"Deployment", "Service", "CronJob", "PodDisruptionBudget"} <= kinds


@pytest.mark.parametrize("pod", list(PODS))
def test_pods_run_as_the_images_user_and_are_locked_down(pod):
    spec = PODS[pod]()
    uid, gid = image_user()
    assert spec["automountServiceAccountToken"] is False
    context = spec["securityContext"]
    assert context["runAsNonRoot"] is True
    assert (context["runAsUser"], context["runAsGroup"], context["fsGroup"]) == (uid, gid, gid)
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    for container in spec["containers"]:
        locked = container["securityContext"]
        assert locked["readOnlyRootFilesystem"] is True
        assert locked["allowPrivilegeEscalation"] is False
        assert locked["capabilities"] == {"drop": ["ALL"]}
        assert container["resources"]["limits"]["memory"]


@pytest.mark.parametrize("pod", list(PODS))
def test_every_path_written_is_on_a_writable_volume_and_every_key_in_the_secret(pod):
    spec = PODS[pod]()
    volumes = {v["name"] for v in spec["volumes"]}
    secret = one_secret()
    for container in spec["containers"]:
        mounts = container["volumeMounts"]
        assert {m["name"] for m in mounts} <= volumes
        writable = [m["mountPath"] for m in mounts if not m.get("readOnly")]
        env = container_env(container, secret)
        for name in ("STS_STATE_DIR", "MPLCONFIGDIR", "TMPDIR", "STS_AUDIT_LOG", "STS_OUT"):
            if name in env:
                assert any(_under(env[name], path) for path in writable), (name, env[name])
        assert "STS_STATE_DIR" in env and "TMPDIR" in env
        for ref in container.get("envFrom", []):
            assert ref["secretRef"]["name"] == "sts-bot-slack"


def one_secret() -> dict[str, str]:
    (secret,) = documents("secret.example.yaml")
    return secret["stringData"]


def container_env(container: dict, secret: dict[str, str]) -> dict[str, str]:
    """What the container's process sees: the image's ENV, the Secret's, then its own env."""
    env = dict(image_env())
    if container.get("envFrom"):
        env.update(secret)
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            assert ref["name"] == "sts-bot-slack" and ref["key"] in secret, ref
            env[item["name"]] = secret[ref["key"]]
    return env


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def test_the_deployment_probes_health_and_shares_what_replicas_must():
    spec = PODS["deployment"]()
    (container,) = spec["containers"]
    startup, ready, live = (
        container[p] for p in ("startupProbe", "readinessProbe", "livenessProbe")
    )
    assert startup["httpGet"]["path"] == "/livez" and live["httpGet"]["path"] == "/livez"
    assert ready["httpGet"]["path"] == "/readyz"
    # A registry's first load (10^6 patients read and checked) is minutes: ten are allowed.
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 600
    env = container_env(container, one_secret())
    assert len(env["STS_AUDIT_KEY"]) >= 32 and env["STS_DATABASE_URL"].startswith("postgresql")
    assert 1 <= int(env["STS_PLOT_PROCESSES"]) <= 2  # a 1 GiB limit: not the node's CPUs
    assert env["STS_SUMMARY_IN_PROCESS"] == "false"
    keys = {c["topologyKey"] for c in spec["topologySpreadConstraints"]}
    assert keys == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
    labels = one("Deployment")["spec"]["template"]["metadata"]["labels"]
    for constraint in spec["topologySpreadConstraints"]:
        assert constraint["labelSelector"]["matchLabels"] == labels
    port = container["command"][container["command"].index("--port") + 1]
    assert container["ports"] == [{"name": "http", "containerPort": int(port)}]
    assert one("Service")["spec"]["ports"][0]["targetPort"] == "http"


# --- started as the pod starts ---------------------------------------------------------------


@functools.cache
def _namespaces() -> bool:
    """Whether this process may make a mount namespace (root, unshare present)."""
    probe = ["unshare", "--mount", "--propagation", "private", "true"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except OSError:
        return False


@functools.cache
def _as_pod_user() -> list[str]:
    """`setpriv` to the pod's uid when that uid can run this interpreter whole (its standard
    library, not another Python's found instead), else nothing: then the server runs as root,
    still on the read-only root, and only the uid is not the pod's."""
    uid, gid = image_user()
    drop = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
    where = [sys.executable, "-c", "import os; print(os.__file__)"]
    try:
        ran = subprocess.run([*drop, *where], capture_output=True, text=True, timeout=30)
    except OSError:
        return []
    return drop if ran.returncode == 0 and ran.stdout.strip() == os.__file__ else []


def pod_process(tmp: Path, env: dict[str, str], volumes: dict[str, Path], command: list[str]):
    """`command` with only `volumes` writable (the root read-only), as the pod's user if it can."""
    uid, gid = image_user()
    binds = "".join(
        f"mount --bind {shlex.quote(str(v))} {shlex.quote(str(v))}; " for v in volumes.values()
    )
    script = f'set -e; {binds}mount -o remount,bind,ro /; exec "$@"'
    for folder in volumes.values():
        os.chown(folder, uid, gid) if _as_pod_user() else None
    home = tmp / "home"
    home.mkdir()
    env = {**env, "HOME": str(home)}
    log = (tmp / "server.log").open("w")
    try:
        return subprocess.Popen(
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                script,
                "sh",
                *_as_pod_user(),
                *command,
            ],
            env=env,
            cwd=home,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    finally:
        log.close()


def pod_env(
    tmp: Path, stub: SlackStub, database: str | None, pod: str = "deployment"
) -> tuple[dict, dict, list[str]]:
    """A pod's environment with the volumes as folders here, and its command."""
    (container,) = PODS[pod]()["containers"]
    env = container_env(container, one_secret())
    volumes = {}
    for mount in container["volumeMounts"]:
        volumes[mount["mountPath"]] = tmp / "volumes" / mount["name"]
        volumes[mount["mountPath"]].mkdir(parents=True)
    for name, value in env.items():
        for path, folder in volumes.items():
            if _under(value, path):
                env[name] = str(folder) + value[len(path) :]
    env.update(
        PATH=os.environ["PATH"],
        SLACK_BOT_TOKEN="xoxb-test-token",  # the Secret's placeholders, as a test's values
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=stub.api_url,  # the one setting the pod does not have: Slack itself
        STS_AUDIT_KEY="0" * 64,
        STS_HOST="127.0.0.1",
    )
    if database is None:
        del env["STS_DATABASE_URL"]
    else:
        env["STS_DATABASE_URL"] = database
    command = list(container["command"])
    command[0] = str(Path(sys.executable).parent / command[0])
    if "--port" in command:
        command[command.index("--port") + 1] = "0"
    return env, volumes, command


@pytest.fixture
def pod_tmp():
    """A folder the pod's user can reach (pytest's are its owner's only)."""
    folder = Path(tempfile.mkdtemp(prefix="sts-pod-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def database(request):
    """A database of the process's cluster (tests/conftest.py), or none on a machine without."""
    if missing():
        return None
    return request.getfixturevalue("postgres").fresh("manifests")


@pytest.mark.skipif(not _namespaces(), reason="needs root and unshare for a read-only root")
def test_the_pod_starts_with_a_read_only_root_and_answers(pod_tmp, database):
    tmp_path = pod_tmp
    with SlackStub() as stub:
        env, volumes, command = pod_env(tmp_path, stub, database)
        proc = pod_process(tmp_path, env, volumes, command)
        try:
            line = proc.stdout.readline()
            assert "http://" in line, (tmp_path / "server.log").read_text()[-3000:]
            address = line.split("http://", 1)[1].split("/", 1)[0]
            with urllib.request.urlopen(f"http://{address}/readyz", timeout=10) as response:
                report = json.loads(response.read())
            assert response.status == 200 and report["ready"], report
            body = slash_body("orr", response_url=stub.response_url("U0POD0001"))
            request = urllib.request.Request(
                f"http://{address}/slack/events", body.encode(), sign(body)
            )
            assert urllib.request.urlopen(request, timeout=10).status == 200
            reply = json.loads(stub.wait_for("/respond/U0POD0001", timeout=30)[0].body)
            assert reply["text"].startswith("ORR")
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    assert list((volumes["/state"] / "cohorts").glob("*.duckdb"))  # the store, on the volume
    assert_clean(tmp_path)


@pytest.mark.skipif(not _namespaces(), reason="needs root and unshare for a read-only root")
def test_without_the_state_volume_start_up_names_STS_STATE_DIR(pod_tmp):
    tmp_path = pod_tmp
    with SlackStub() as stub:
        env, volumes, command = pod_env(tmp_path, stub, None)
        del volumes["/state"]  # the manifest as shipped before: /state on the read-only root
        proc = pod_process(tmp_path, env, volumes, command)
        try:
            assert proc.wait(timeout=120) == 2
        finally:
            proc.kill() if proc.poll() is None else None
    log = (tmp_path / "server.log").read_text()
    assert "STS_STATE_DIR" in log and "Read-only file system" in log
    assert "STS_DATA" not in log and "Traceback" not in log


@pytest.mark.skipif(not _namespaces(), reason="needs root and unshare for a read-only root")
def test_the_cronjob_posts_the_weekly_summary_with_a_read_only_root(pod_tmp, database):
    with SlackStub() as stub:
        env, volumes, command = pod_env(pod_tmp, stub, database, pod="cronjob")
        proc = pod_process(pod_tmp, env, volumes, command)
        try:
            code = proc.wait(timeout=300)
        finally:
            proc.kill() if proc.poll() is None else None
        posts = [c for c in stub.find("chat.postMessage") if c.data["channel"] == "C0123ABCD"]
    log = (pod_tmp / "server.log").read_text()
    assert code == 0, log[-3000:]
    assert posts and "Traceback" not in log
