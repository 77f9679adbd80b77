"""cluster/ files against their schemas and the project; remote checks; submission ids.

The launcher YAML is checked against the JSON schema shipped inside the ray
package; the KubeRay manifests against a schema of the CRD fields we use
(KubeRay's CRDs are not installed here). Strict objects catch a misspelt key
that Kubernetes would silently drop.
"""
from __future__ import annotations

import ast
import http.server
import json
import re
import shlex
import socket
import threading
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest
import ray
import yaml
from packaging.specifiers import SpecifierSet
from ray.runtime_env import RuntimeEnv

from evaluation.errors import XmixError
from sweep import submit
from sweep.remote_checks import check_mlflow_reachable, check_remote_compatible
from sweep.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
CLUSTER = REPO / "cluster"
APPLY_COMMANDS = {"raycluster.yaml": "kubectl apply -f cluster/raycluster.yaml",
                  "rayjob.yaml": "kubectl apply -f cluster/rayjob.yaml", "ray-up.yaml": "ray up cluster/ray-up.yaml",
                  "runtime_env.yaml": "xmix submit", "mlflow.mk": "make mlflow"}


def _strict(properties: dict, required: tuple = ()) -> dict:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


_STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}  # rayStartParams: map[string]string
_QUANTITIES = {"type": "object", "additionalProperties": {"type": ["string", "integer"]}}
_CONTAINER = _strict({
    "name": {"type": "string"}, "image": {"type": "string"},
    "ports": {"type": "array", "items": _strict({"containerPort": {"type": "integer"}, "name": {"type": "string"}},
                                                ("containerPort",))},
    "resources": _strict({"requests": _QUANTITIES, "limits": _QUANTITIES}),
    "volumeMounts": {"type": "array", "items": _strict({"name": {"type": "string"}, "mountPath": {"type": "string"}},
                                                       ("name", "mountPath"))},
    "env": {"type": "array"}}, ("name", "image"))
_POD_TEMPLATE = _strict({"spec": _strict({
    "containers": {"type": "array", "minItems": 1, "items": _CONTAINER},
    "volumes": {"type": "array", "items": _strict({"name": {"type": "string"}, "persistentVolumeClaim": _strict(
        {"claimName": {"type": "string"}}, ("claimName",))}, ("name",))},
    "tolerations": {"type": "array", "items": {"type": "object"}}}, ("containers",))}, ("spec",))
_CLUSTER_SPEC = _strict({
    "rayVersion": {"type": "string"},
    "authOptions": _strict({"mode": {"enum": ["disabled", "token"]}}),
    "enableInTreeAutoscaling": {"type": "boolean"},
    "headGroupSpec": _strict({"rayStartParams": _STRINGS, "template": _POD_TEMPLATE,
                              "serviceType": {"type": "string"}}, ("template",)),
    "workerGroupSpecs": {"type": "array", "items": _strict({
        "groupName": {"type": "string"}, "replicas": {"type": "integer", "minimum": 0},
        "minReplicas": {"type": "integer", "minimum": 0}, "maxReplicas": {"type": "integer", "minimum": 0},
        "rayStartParams": _STRINGS, "template": _POD_TEMPLATE}, ("groupName", "template"))}},
    ("headGroupSpec",))
_METADATA = _strict({"name": {"type": "string"}}, ("name",))
KUBERAY_SCHEMAS = {
    "RayCluster": _strict({"apiVersion": {"const": "ray.io/v1"}, "kind": {"const": "RayCluster"},
                           "metadata": _METADATA, "spec": _CLUSTER_SPEC}, ("apiVersion", "kind", "metadata", "spec")),
    "RayJob": _strict({"apiVersion": {"const": "ray.io/v1"}, "kind": {"const": "RayJob"}, "metadata": _METADATA,
                       "spec": _strict({
                           "entrypoint": {"type": "string"}, "runtimeEnvYAML": {"type": "string"},
                           "shutdownAfterJobFinishes": {"type": "boolean"},
                           "ttlSecondsAfterFinished": {"type": "integer", "minimum": 0},
                           "submissionMode": {"enum": ["K8sJobMode", "HTTPMode", "InteractiveMode", "SidecarMode"]},
                           "rayClusterSpec": _CLUSTER_SPEC}, ("entrypoint", "rayClusterSpec"))},
                      ("apiVersion", "kind", "metadata", "spec")),
}


def _load(name: str) -> dict:
    return yaml.safe_load((CLUSTER / name).read_text())


def _pinned_ray_version() -> str:
    lock = (REPO / "requirements.lock").read_text()
    return re.search(r"^ray\[[^\]]*\]==([\d.]+)\s*$", lock, re.M).group(1)


def _cluster_specs() -> list[dict]:
    return [_load("raycluster.yaml")["spec"], _load("rayjob.yaml")["spec"]["rayClusterSpec"]]


@pytest.mark.parametrize("name", ["raycluster.yaml", "rayjob.yaml"])
def test_kuberay_manifest_matches_the_crd_fields_we_use(name):
    manifest = _load(name)
    jsonschema.validate(manifest, KUBERAY_SCHEMAS[manifest["kind"]])


def test_ray_up_yaml_matches_the_schema_shipped_with_ray():
    schema = json.loads((Path(ray.__file__).parent / "autoscaler" / "ray-schema.json").read_text())
    jsonschema.validate(_load("ray-up.yaml"), schema)


def test_ray_version_and_images_agree_with_the_project():
    version = _pinned_ray_version()
    pyproject = (REPO / "pyproject.toml").read_text()
    ray_range = re.search(r'"ray\[[^\]]*\]([^"]+)"', pyproject).group(1)
    assert version in SpecifierSet(ray_range) and version == ray.__version__
    images = [image for name in ("raycluster.yaml", "rayjob.yaml", "ray-up.yaml")
              for image in re.findall(r"^\s*image:\s*(\S+)", (CLUSTER / name).read_text(), re.M)]
    assert len(images) == 5
    for image in images:
        repository, tag = image.split(":")
        assert repository == "rayproject/ray" and (tag == version or tag.startswith(f"{version}-")), image
    for spec in _cluster_specs():
        assert spec["rayVersion"] == version and spec["authOptions"]["mode"] == "token"


def _driver_resource() -> str:
    """sweep.driver.DRIVER_RESOURCE, read without importing torch and ray.tune (35 s on 2 busy cores)."""
    tree = ast.parse((REPO / "sweep" / "driver.py").read_text())
    return next(node.value.value for node in tree.body if isinstance(node, ast.Assign)
                and any(getattr(target, "id", None) == "DRIVER_RESOURCE" for target in node.targets))


def test_the_head_declares_the_trial_driver_resource():
    DRIVER_RESOURCE = _driver_resource()  # noqa: N806
    for spec in _cluster_specs():
        # KubeRay passes the value through a shell: a JSON object inside a quoted string.
        resources = json.loads(json.loads(spec["headGroupSpec"]["rayStartParams"]["resources"]))
        assert resources[DRIVER_RESOURCE] >= 1 and spec["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"
        assert any(c["resources"]["limits"].get("nvidia.com/gpu") for group in spec["workerGroupSpecs"]
                   for c in group["template"]["spec"]["containers"])
    launcher = _load("ray-up.yaml")
    assert launcher["available_node_types"][launcher["head_node_type"]]["resources"][DRIVER_RESOURCE] >= 1


def test_rayjob_runs_an_existing_config_with_valid_overrides():
    job = _load("rayjob.yaml")["spec"]
    assert job["shutdownAfterJobFinishes"] is True
    words = shlex.split(job["entrypoint"])
    assert words[:3] == ["xmix", "sweep", "run"] and (REPO / words[3]).is_file()
    overrides = [words[i + 1] for i, word in enumerate(words) if word == "--set"]
    assert len(words) == 4 + 2 * len(overrides)
    load_spec(REPO / words[3], overrides)  # every --set names a real field with a valid value
    RuntimeEnv(**yaml.safe_load(job["runtimeEnvYAML"]))


def test_runtime_env_file_is_a_valid_runtime_env_that_installs_xmix():
    runtime_env = RuntimeEnv(**_load("runtime_env.yaml"))
    assert "${RAY_RUNTIME_ENV_CREATE_WORKING_DIR}" in runtime_env["pip"]["packages"]
    merged = submit.build_runtime_env(True, CLUSTER / "runtime_env.yaml")
    assert merged["working_dir"] == str(REPO) and merged["pip"] == runtime_env["pip"]
    assert {".venv", "mlruns", "*.db", ".git"} <= set(merged["excludes"])


@pytest.mark.parametrize("name", sorted(APPLY_COMMANDS))
def test_each_file_opens_with_the_command_that_applies_it(name):
    first_line = (CLUSTER / name).read_text().splitlines()[0]
    assert first_line.startswith("#") and APPLY_COMMANDS[name] in first_line, first_line
    assert name in (CLUSTER / "README.md").read_text()


def test_mlflow_make_target_starts_a_local_server():
    text = (CLUSTER / "mlflow.mk").read_text()
    assert re.search(r"^mlflow:", text, re.M)
    for flag in ("--backend-store-uri sqlite:///", "--default-artifact-root", "--host 127.0.0.1",
                 "--port $(MLFLOW_PORT)", "--workers 1"):
        assert flag in text, flag


SMOKE = REPO / "configs" / "smoke.yaml"


@pytest.fixture
def no_env_tracking(monkeypatch):
    for name in ("MLFLOW_TRACKING_URI", "RAY_ADDRESS", "RAY_API_SERVER_ADDRESS"):
        monkeypatch.delenv(name, raising=False)


def test_sqlite_and_relative_storage_rejected_for_a_remote_cluster(no_env_tracking):
    spec = load_spec(SMOKE)  # sqlite:///mlflow.db, ./runs
    with pytest.raises(XmixError) as error:
        check_remote_compatible(spec, "http://10.0.0.5:8265")
    message = str(error.value)
    assert "10.0.0.5" in message and "tracking.uri 'sqlite:///mlflow.db'" in message and "http://" in message
    assert "storage.path './runs'" in message and "s3://" in message and "shared filesystem" in message


def test_server_tracking_and_shared_storage_accepted_for_a_remote_cluster(no_env_tracking):
    for storage in ("s3://bucket/xmix", "gs://bucket/xmix", "/mnt/xmix/runs"):
        spec = load_spec(SMOKE, ["tracking.uri=http://mlflow:5000", f"storage.path={storage}"])
        check_remote_compatible(spec, "http://10.0.0.5:8265")
    spec = load_spec(SMOKE, ["tracking.uri=https://mlflow.example.org", f"storage.path={REPO / 'runs'}"])
    with pytest.raises(XmixError, match="storage.path"):  # this checkout exists on this machine only
        check_remote_compatible(spec, "http://head.example.org:8265")


def test_local_head_accepts_sqlite_unless_the_cluster_says_it_is_remote(no_env_tracking):
    spec = load_spec(SMOKE)
    check_remote_compatible(spec, "http://127.0.0.1:8265")
    check_remote_compatible(spec, "localhost:8265")
    with pytest.raises(XmixError, match="tracking.uri"):  # a port-forwarded remote head on 127.0.0.1
        check_remote_compatible(spec, "http://127.0.0.1:8265", cluster_is_remote=True)


def _dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"OK" if self.status == 200 else b"Unauthorized: Missing authentication token")

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server(request):
    handler = type("Handler", (_Answer,), {"status": getattr(request, "param", 200)})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_mlflow_reachable_check(http_server):
    check_mlflow_reachable(http_server)
    check_mlflow_reachable("sqlite:///mlflow.db")  # not a server: nothing to probe
    dead = _dead_url()
    with pytest.raises(XmixError, match=re.escape(f"GET {dead}/health")):
        check_mlflow_reachable(dead, timeout_s=1)


def test_submission_id_names_the_sweep_and_time():
    first = submit.submission_id_for("smoke", datetime(2026, 11, 25, 15, 4, 5))
    second = submit.submission_id_for("smoke", datetime(2026, 11, 25, 15, 4, 5))
    assert re.fullmatch(r"xmix-smoke-20261125-150405-[0-9a-f]{4}", first) and first != second


def test_address_resolution(no_env_tracking, monkeypatch):
    assert submit.resolve_address("127.0.0.1:8265/") == "http://127.0.0.1:8265"
    with pytest.raises(XmixError, match="dashboard URL"):
        submit.resolve_address("ray://head:10001")
    with pytest.raises(XmixError, match="--address"):
        submit.resolve_address(None)
    monkeypatch.setenv("RAY_ADDRESS", "http://head:8265")
    assert submit.resolve_address(None) == "http://head:8265"


def test_unreachable_cluster_fails_fast_naming_the_url(no_env_tracking):
    dead = _dead_url()
    with pytest.raises(XmixError) as error:
        submit.connect(dead)
    assert dead in str(error.value) and "/api/version" in str(error.value)


@pytest.mark.parametrize("http_server", [401], indirect=True)
def test_rejected_token_is_reported_but_never_printed(http_server, monkeypatch):
    secret = "s3cr3t-token-value"
    monkeypatch.setenv("RAY_AUTH_TOKEN", secret)
    with pytest.raises(XmixError) as error:
        submit.connect(http_server)
    assert "RAY_AUTH_TOKEN" in str(error.value) and secret not in str(error.value)
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    with pytest.raises(XmixError, match="RAY_AUTH_MODE=disabled sent no token"):
        submit.connect(http_server)


def test_spec_outside_the_project_is_refused(tmp_path):
    outside = tmp_path / "spec.yaml"
    outside.write_text(SMOKE.read_text())
    with pytest.raises(XmixError, match="project folder"):
        submit.spec_in_project(outside)
    assert submit.spec_in_project(SMOKE) == "configs/smoke.yaml"


def test_local_head_pins_relative_paths(no_env_tracking, monkeypatch):
    monkeypatch.chdir(REPO)  # spec paths are relative to where xmix runs, as for `xmix sweep run`
    pins = dict(pin.split("=", 1) for pin in submit.local_head_pins(load_spec(SMOKE)))
    assert pins["storage.path"] == str(REPO / "runs")
    assert pins["tracking.uri"] == f"sqlite:///{REPO / 'mlflow.db'}"
    assert Path(pins["data.root"]).is_absolute()
    assert Path(pins["model.name_or_path"]).is_absolute()
