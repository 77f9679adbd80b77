"""Every bad spec is answered by the CLI with exit 2, the field path or file:line, no
traceback, in under 5 s: a property test over hundreds of generated bad specs, then one
example per case a tester found. In-process (sweep.cli.main), so it runs in seconds."""
from __future__ import annotations

import math
import re
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sweep.cli
from sweep.spec_yaml import MAX_DEPTH, MAX_NODES
from sweep.validate import TRACKING_SCHEMES, search_metrics
from tests.conftest import PROJECT_ROOT

SMOKE = PROJECT_ROOT / "configs" / "smoke.yaml"
SMOKE_TEXT = SMOKE.read_text(encoding="utf-8")
ANSWER_WITHIN_S = 5.0


def run_cli(args, capsys, monkeypatch) -> tuple[int, str, float]:
    """(exit code, stdout + stderr, seconds) of ``xmix ARGS`` run in this process."""
    monkeypatch.setattr(sys, "argv", ["xmix", *map(str, args)])
    capsys.readouterr()
    started = time.monotonic()
    try:
        sweep.cli.main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    seconds = time.monotonic() - started
    captured = capsys.readouterr()
    return code, captured.err + captured.out, seconds


@pytest.fixture(autouse=True)
def _local_run(monkeypatch):
    """Relative paths in the smoke spec resolve from the project, as when users run it."""
    monkeypatch.chdir(PROJECT_ROOT)
    for name in ("RAY_ADDRESS", "MLFLOW_TRACKING_URI", "XMIX_DATA"):
        monkeypatch.delenv(name, raising=False)


def assert_refused(args, capsys, monkeypatch, *needles: str) -> str:
    code, output, seconds = run_cli(args, capsys, monkeypatch)
    assert code == 2, f"exit {code} for {args}:\n{output}"
    assert "Traceback" not in output, output
    assert output.startswith("xmix: error: "), output
    for needle in needles:
        assert needle in output, f"{needle!r} not in:\n{output}"
    assert seconds < ANSWER_WITHIN_S, f"{seconds:.1f} s for {args}"
    return output


def smoke_raw() -> dict:
    return yaml.safe_load(SMOKE_TEXT)


def set_path(raw: dict, dotted: str, value) -> dict:
    *parents, last = dotted.split(".")
    node = raw
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return raw


# ---------------------------------------------------------------- strategies

NOT_INT = st.one_of(st.booleans(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
                    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
OUT_OF_RANGE_INT = st.one_of(st.integers(-10**6, -1), st.integers(10**10, 10**30))
INT_FIELDS = ("seed", "search.trials", "search.concurrency", "search.seeds_per_trial", "search.startup_trials",
              "search.confirm.top_k", "search.confirm.seeds", "intermediate.steps", "intermediate.batch_size",
              "stage2.steps", "stage2.batch_size", "model.max_length", "model.num_layers", "targets.xnli.eval_cap",
              "targets.panx.eval_batch_size", "targets.tatoeba.report_cap", "resources.workers_per_trial")

NOT_FINITE = st.sampled_from([math.inf, -math.inf, math.nan])
NOT_NUMBER = st.one_of(st.booleans(), st.text(max_size=8).filter(lambda t: not _yaml_number(t)), st.lists(st.integers(), max_size=2))
NOT_POSITIVE = st.floats(max_value=0, allow_nan=False)
POSITIVE_FLOAT_FIELDS = ("intermediate.lr", "stage2.lr", "targets.xnli.stage2_lr", "resources.cpus_per_worker")
HUGE = st.floats(min_value=1e5, allow_infinity=False)

TEXT_FIELDS = ("tracking.uri", "tracking.experiment", "storage.path", "search.metric", "targets.xnli.split",
               "model.name_or_path", "data.root", "name")
BLANK = st.text(alphabet=" \t", max_size=4)
NOT_TEXT = st.one_of(st.integers(), st.booleans(), st.floats(allow_nan=False), st.lists(st.text(max_size=3), max_size=2))

SECTIONS = ("", "model.", "data.", "intermediate.", "stage2.", "targets.xnli.", "search.", "search.confirm.",
            "resources.", "storage.", "tracking.")
KEY = st.from_regex(r"\A[a-z][a-z_]{0,12}\Z")


def _yaml_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _field_case(path: str, values) -> st.SearchStrategy:
    return values.map(lambda value: ("field", path, value))


@st.composite
def unknown_key(draw):
    section = draw(st.sampled_from(SECTIONS))
    key = draw(KEY)
    raw = smoke_raw()
    parent = raw
    for part in section.rstrip(".").split(".") if section else []:
        parent = parent.setdefault(part, {})
    if key in parent or key in _fields_at(section):
        key = key + "_xx"
    parent[key] = 1
    return ("raw", f"{section}{key}", raw)


def _fields_at(section: str):
    from sweep.spec import _model_at

    return _model_at(tuple(section.rstrip(".").split(".")) if section else ()).model_fields


@st.composite
def unknown_tracking_scheme(draw):
    scheme = draw(st.from_regex(r"\A[a-z][a-z0-9.-]{1,8}\Z").filter(lambda s: s.split("+")[0] not in TRACKING_SCHEMES))
    return ("field", "tracking.uri", f"{scheme}://host/x")


@st.composite
def unknown_metric(draw):
    metric = draw(st.text(min_size=1, max_size=20).filter(lambda m: m.strip() and "/" not in m))
    return ("field", "search.metric", metric)


@st.composite
def bad_mixture(draw):
    weights = draw(st.one_of(
        st.tuples(NOT_FINITE, st.floats(0, 1)),
        st.tuples(st.floats(max_value=-1e-3, allow_nan=False, allow_infinity=False), st.floats(0, 2)),
        st.tuples(st.just(0.0), st.just(0.0)),
        st.tuples(st.floats(0, 1), st.floats(0, 1)).filter(lambda w: abs(sum(w) - 1) > 1e-3)))
    return ("field", "intermediate.mixture", {"mnli": weights[0], "pawsx.de": weights[1]})


@st.composite
def twice_listed(draw):
    return draw(st.sampled_from([
        ("field", "targets.xnli.languages", ["de", "zh", "de"]),
        ("field", "targets.tatoeba.languages", ["de", "deu"]),
        ("field", "targets.tatoeba.languages", ["zh", "cmn"]),
        ("field", "search.baselines", ["uniform", "english_only", "uniform"]),
        ("field", "intermediate.sources", ["mnli", "pawsx.de", "mnli"]),
    ]))


FIELD_CASES = st.one_of(
    *[_field_case(path, st.one_of(NOT_INT, OUT_OF_RANGE_INT)) for path in INT_FIELDS],
    *[_field_case(path, st.one_of(NOT_FINITE, NOT_NUMBER, NOT_POSITIVE, HUGE)) for path in POSITIVE_FLOAT_FIELDS],
    _field_case("resources.gpus_per_worker", st.one_of(NOT_FINITE, NOT_NUMBER, st.floats(max_value=-1e-9),
                                                       st.floats(min_value=65, allow_infinity=False))),
    *[_field_case(path, st.one_of(BLANK, NOT_TEXT)) for path in TEXT_FIELDS],
    _field_case("search.sampler", st.text(max_size=6).filter(lambda s: s not in ("tpe", "gp", "random"))),
    _field_case("resources.runner", st.text(max_size=6).filter(lambda s: s not in ("auto", "ray_train", "in_trial"))),
    unknown_tracking_scheme(), unknown_metric(), bad_mixture(), twice_listed(),
)


@st.composite
def invalid_utf8(draw):
    lines = SMOKE_TEXT.splitlines(keepends=True)
    index = draw(st.integers(0, len(lines) - 1))
    bad = draw(st.sampled_from([b"\xe9", b"\xff", b"\xfe\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\x80"]))
    data = "".join(lines[:index]).encode() + b"# " + bad + b"\n" + "".join(lines[index:]).encode()
    return ("bytes", f":{index + 1}:", data)


@st.composite
def too_deep(draw):
    style = draw(st.sampled_from(["flow", "block", "mapping"]))
    depth = draw(st.integers(MAX_DEPTH, 200 if style == "block" else 3000))  # block: indentation grows
    if style == "flow":
        body = "[" * depth + "]" * depth
    elif style == "mapping":
        body = "{a: " * depth + "1" + "}" * depth
    else:
        body = "".join(f"\n{'  ' * (i + 1)}k:" for i in range(depth)) + " 1"
    return ("text", "nested deeper than", SMOKE_TEXT + f"provenance:\n  x: {body}\n")


@st.composite
def anchor_bomb(draw):
    width = draw(st.integers(2, 12))
    levels = next(n for n in range(2, 40) if width ** n > MAX_NODES) + draw(st.integers(0, 3))
    lines = [f"  l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return ("text", "expands to more than", SMOKE_TEXT + "provenance:\n" + "\n".join(lines) + "\n")


@st.composite
def duplicate_key(draw):
    lines = SMOKE_TEXT.splitlines(keepends=True)
    candidates = [i for i, line in enumerate(lines) if re.match(r"^(\w+|  \w+): \S", line)]
    index = draw(st.sampled_from(candidates))
    text = "".join(lines[: index + 1]) + lines[index] + "".join(lines[index + 1:])
    key = lines[index].split(":")[0].strip()
    return ("text", f":{index + 2}: duplicate key '{key}'", text)


@st.composite
def not_a_mapping(draw):
    text = draw(st.sampled_from(["", "\n", "# only a comment\n", "[]\n", "- a\n- b\n", "42\n", "null\n", "'x'\n",
                                 "just text\n", "--- \n"]))
    return ("set", "a spec is a YAML mapping", text)


@st.composite
def bad_set_key(draw):
    key = draw(st.sampled_from(["..", ".", ".a", "a.", "search..trials", "search.trials.", " .x", "", "=="]))
    return ("override", "--set", key + "=1")


def _binary(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


RAW_CASES = [invalid_utf8(), too_deep(), anchor_bomb(), duplicate_key(), not_a_mapping(), bad_set_key(),
             st.just(("bytes", ":1:", SMOKE_TEXT.encode("utf-16"))),
             st.binary(min_size=1, max_size=200).filter(_binary).map(lambda b: ("bytes", "not UTF-8", b))]

# st.one_of flattens, so the ~35 field strategies would drown the file-level ones: pick a family first.
BAD_SPECS = st.sampled_from([FIELD_CASES] * 6 + [unknown_key()] * 2 + RAW_CASES).flatmap(lambda family: family)


def _materialise(case, path: Path) -> tuple[list, str]:
    """(CLI args, a string the answer must contain) for one generated case."""
    kind, where, payload = case
    if kind == "field":
        path.write_text(yaml.safe_dump(set_path(smoke_raw(), where, payload)), encoding="utf-8")
        return ["validate", path], where
    if kind == "raw":
        path.write_text(yaml.safe_dump(payload), encoding="utf-8")
        return ["validate", path], where
    if kind == "bytes":
        path.write_bytes(payload)
        return ["validate", path], f"{path}{where}" if where.startswith(":") else where
    if kind == "text":
        path.write_text(payload, encoding="utf-8")
        return ["validate", path], f"{path}{where}" if where.startswith(":") else where
    if kind == "set":
        path.write_text(payload, encoding="utf-8")
        return ["validate", path, "--set", "name=x"], where
    path.write_text(SMOKE_TEXT, encoding="utf-8")
    return ["validate", path, "--set", payload], where


def test_generated_bad_specs_exit_2_with_where_and_why(tmp_path, capsys, monkeypatch):
    tried: list[str] = []

    @settings(max_examples=400, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(case=BAD_SPECS)
    def refuse(case):
        args, needle = _materialise(case, tmp_path / "spec.yaml")
        output = assert_refused(args, capsys, monkeypatch, needle)
        if case[0] in ("field", "raw"):  # the field path itself, not a word that happens to occur
            assert re.search(rf"(?:^|\s){re.escape(needle)}[:\[.]", output), output
        tried.append(case[0])

    refuse()
    assert len(tried) >= 300, f"only {len(tried)} bad specs tried"
    print(f"\n{len(tried)} bad specs tried, all refused cleanly: "
          + ", ".join(f"{kind} {tried.count(kind)}" for kind in sorted(set(tried))))


# ---------------------------------------------------------------- one example per reported case

def write(tmp_path: Path, data: bytes | str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def test_latin1_byte_in_a_comment_names_file_and_line(tmp_path, capsys, monkeypatch):
    spec = write(tmp_path, SMOKE_TEXT.encode() + b"# caf\xe9\n")
    line = SMOKE_TEXT.count("\n") + 1
    assert_refused(["validate", spec], capsys, monkeypatch, f"{spec}:{line}: not UTF-8", "0xe9")


def test_utf16_file_is_refused(tmp_path, capsys, monkeypatch):
    spec = write(tmp_path, SMOKE_TEXT.encode("utf-16"))
    assert_refused(["validate", spec], capsys, monkeypatch, f"{spec}:1: not UTF-8", "save the spec as UTF-8")


def test_nul_bytes_are_refused_with_a_line(tmp_path, capsys, monkeypatch):
    spec = write(tmp_path, SMOKE_TEXT.encode("utf-16-le"))  # no BOM: valid UTF-8 full of NULs
    assert_refused(["validate", spec], capsys, monkeypatch, f"{spec}:1:", "not allowed in YAML")


def test_thousand_deep_nesting_is_refused(tmp_path, capsys, monkeypatch):
    spec = write(tmp_path, "a: " + "[" * 1000 + "]" * 1000 + "\n")
    assert_refused(["validate", spec], capsys, monkeypatch, f"{spec}:1: nested deeper than {MAX_DEPTH}")


def test_billion_laughs_under_provenance_is_refused(tmp_path, capsys, monkeypatch):
    bomb = "provenance:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"  {chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    spec = write(tmp_path, SMOKE_TEXT + bomb)
    assert_refused(["validate", spec], capsys, monkeypatch, f"{spec}:", f"more than {MAX_NODES} YAML nodes")


def test_recursive_alias_is_refused(tmp_path, capsys, monkeypatch):
    spec = write(tmp_path, SMOKE_TEXT + "provenance:\n  a: &a [1, *a]\n")
    assert_refused(["validate", spec], capsys, monkeypatch, f"{spec}:", "refers to a node that contains it")


def test_duplicate_key_names_line_and_key(tmp_path, capsys, monkeypatch):
    spec = write(tmp_path, SMOKE_TEXT.replace("  trials: 3\n", "  trials: 3\n  trials: 30\n"))
    line = SMOKE_TEXT.split("  trials: 3\n")[0].count("\n") + 2
    assert_refused(["validate", spec], capsys, monkeypatch, f"{spec}:{line}: duplicate key 'trials'",
                   f"first at line {line - 1}")


def test_merge_key_override_is_not_a_duplicate(tmp_path, monkeypatch):
    from sweep.spec_yaml import load_yaml

    assert load_yaml("b: &b {x: 1, y: 2}\nm:\n  <<: *b\n  x: 3\n")["m"] == {"x": 3, "y": 2}


@pytest.mark.parametrize("text,kind", [("", "an empty file"), ("- a\n", "a list"), ("7\n", "a int")])
def test_set_on_a_non_mapping_file(tmp_path, capsys, monkeypatch, text, kind):
    spec = write(tmp_path, text)
    assert_refused(["validate", spec, "--set", "name=x"], capsys, monkeypatch, "a spec is a YAML mapping", kind)


@pytest.mark.parametrize("key", ["..", ".a", "search..trials", "search."])
def test_set_with_an_empty_key_part_names_the_key(capsys, monkeypatch, key):
    assert_refused(["validate", SMOKE, "--set", f"{key}=1"], capsys, monkeypatch, f"key {key!r} has an empty part")


def test_set_value_breaking_the_limits_is_refused(capsys, monkeypatch):
    bomb = "[" * 100 + "]" * 100
    assert_refused(["validate", SMOKE, "--set", f"provenance={{x: {bomb}}}"], capsys, monkeypatch,
                   "--set provenance: nested deeper")


@pytest.mark.parametrize("setting,needles", [
    ("search.metric=nope", ("search.metric: 'nope'", "allowed: xtreme_r/score", "xnli/de/accuracy")),
    ("intermediate.mixture={mnli: .nan, pawsx.de: 1}", ("intermediate.mixture.mnli: must be a finite number",)),
    ("intermediate.mixture={mnli: .inf, pawsx.de: 0}", ("intermediate.mixture.mnli: must be a finite number",)),
    ("intermediate.mixture={mnli: -0.5, pawsx.de: 1.5}", ("intermediate.mixture.mnli: must be >= 0",)),
    ("intermediate.mixture={mnli: 0, pawsx.de: 0}", ("intermediate.mixture: weights must be >= 0 and sum to 1",)),
    ("intermediate.lr=.inf", ("intermediate.lr: must be a finite number",)),
    ("stage2.lr=.nan", ("stage2.lr: must be a finite number",)),
    ("search.trials=1e30", ("search.trials: must be an integer, got 1e+30",)),
    ("search.trials=1000000000", ("search.trials: must be <= 100000",)),
    ("search.trials=4.0", ("search.trials: must be an integer",)),
    ("intermediate.steps=99999999999", ("intermediate.steps: must be <=",)),
    ("intermediate.batch_size=true", ("intermediate.batch_size: must be an integer, got True",)),
    ("intermediate.allow_in_language_target_task=1", ("allow_in_language_target_task: must be true or false",)),
    ("tracking.uri=''", ("tracking.uri: must not be empty",)),
    ("tracking.experiment=' '", ("tracking.experiment: must not be empty",)),
    ("storage.path=''", ("storage.path: must not be empty",)),
    ("search.metric=''", ("search.metric: must not be empty",)),
    ("targets.xnli.split=''", ("targets.xnli.split: must not be empty",)),
    ("model.name_or_path=''", ("model.name_or_path: must not be empty",)),
    ("data.root=''", ("data.root: must not be empty",)),
    ("model.num_layers=100", ("model.num_layers: must be <= 12", "num_hidden_layers")),
    ("targets.xnli.languages=[de, de]", ("targets.xnli.languages[1]: 'de' is listed twice",)),
    ("targets.tatoeba.languages=[de, deu]", ("targets.tatoeba.languages[1]: 'deu' is listed twice", "both are deu")),
    ("search.baselines=[uniform, english_only, uniform]", ("search.baselines: uniform listed twice",)),
    ("intermediate.sources=[mnli, pawsx.de, mnli]", ("intermediate.sources[2]: source 'mnli' listed twice",)),
    ("storage.path=/etc/hostname/runs", ("storage.path: '/etc/hostname/runs': /etc/hostname is a file",)),
    ("storage.path=/proc/xmix-runs", ("storage.path: '/proc/xmix-runs': cannot create folders in /proc",)),
    ("tracking.uri=sqlite:///no-such-folder/mlflow.db", ("tracking.uri: 'sqlite:///no-such-folder/mlflow.db': folder",
                                                         "does not exist")),
    ("tracking.uri=sqlite:////proc/mlflow.db", ("tracking.uri: 'sqlite:////proc/mlflow.db': cannot write in /proc",)),
    ("tracking.uri=sqlite://", ("tracking.uri: 'sqlite://': names no database file",)),
    ("tracking.uri=foo://x", ("tracking.uri: 'foo://x': unknown scheme 'foo://'", "sqlite:///", "http(s)://",
                              "databricks")),
    ("resources.cpus_per_worker=100000", ("resources.cpus_per_worker: must be <= 10000",)),
    ("search.trails=4", ("search.trails: unknown key (allowed: trials, concurrency, sampler",)),
    ("search.sampler=cmaes", ("search.sampler: must be one of 'tpe', 'gp' or 'random', got 'cmaes'",)),
    ("provenance={score: .nan}", ("provenance: score: must be a finite number",)),
    ("search.confirm.seeds=1", ("search.confirm.seeds: must be >= 2, got 1",)),
])
def test_reported_case_is_refused(capsys, monkeypatch, setting, needles):
    assert_refused(["validate", SMOKE, "--set", setting], capsys, monkeypatch, *needles)


def test_storage_check_leaves_nothing_behind(tmp_path, capsys, monkeypatch):
    code, output, _ = run_cli(["validate", SMOKE, "--set", f"storage.path={tmp_path}/a/b/runs"], capsys, monkeypatch)
    assert code == 0, output
    assert list(tmp_path.iterdir()) == []


def test_storage_uri_is_not_checked_here(capsys, monkeypatch):
    code, output, _ = run_cli(["validate", SMOKE, "--set", "storage.path=s3://bucket/xmix"], capsys, monkeypatch)
    assert code == 0, output


def test_too_many_cpus_refused_locally_only(capsys, monkeypatch):
    setting = ["--set", "resources.cpus_per_worker=4096", "--set", "resources.workers_per_trial=2",
               "--set", "resources.runner=ray_train"]
    assert_refused(["validate", SMOKE, *setting], capsys, monkeypatch,
                   "resources.cpus_per_worker: 4096 CPUs x 2 workers_per_trial", "but this machine has")
    monkeypatch.setenv("RAY_ADDRESS", "ray://10.1.2.3:10001")
    code, output, _ = run_cli(["validate", SMOKE, *setting], capsys, monkeypatch)
    assert code == 0, output


def test_gpus_refused_without_cuda(capsys, monkeypatch):
    monkeypatch.setattr("sweep.validate._cuda_devices", lambda: 0)
    assert_refused(["validate", SMOKE, "--set", "resources.gpus_per_worker=1"], capsys, monkeypatch,
                   "resources.gpus_per_worker: 1 GPU(s) per trial requested", "0 CUDA device(s)")


def test_cluster_spec_resources_are_left_to_the_cluster(monkeypatch):
    from sweep.spec import load_spec
    from sweep.validate import build_plan

    cluster = load_spec(SMOKE, ["resources.gpus_per_worker=8", "tracking.uri=http://mlflow.internal:5000",
                                "storage.path=s3://bucket/xmix"])
    build_plan(cluster)  # inferred: a cluster spec
    build_plan(load_spec(SMOKE, ["resources.gpus_per_worker=8"]), local=False)


def test_confirm_is_checked_by_build_plan(capsys, monkeypatch):
    assert_refused(["validate", SMOKE, "--set", "search.baselines=[uniform, english_only]"], capsys, monkeypatch,
                   "search.confirm: needs the baselines")


def test_allowed_tracking_schemes_are_mlflow_stores():
    from mlflow.tracking._tracking_service.utils import _tracking_store_registry

    assert set(TRACKING_SCHEMES) <= set(_tracking_store_registry._registry)


def test_every_allowed_metric_is_reported_by_a_trial():
    """search_metrics lists exactly the names final_metrics reports under search/."""
    from evaluation.scores import build_scores, flat_metrics
    from training.plan import TargetPlan

    targets = (TargetPlan("xnli", ("de",), None, 1, 1, None, None), TargetPlan("xquad", ("de",), None, 1, 1, None, None))
    scores = build_scores({"xnli": {"de": {"accuracy": 50.0, "n": 1}},
                           "xquad": {"de": {"exact_match": 40.0, "f1": 60.0, "n": 1}}})
    reported = set(flat_metrics(scores)) | {"xtreme_r/score"}
    assert set(search_metrics(targets)) <= reported


@pytest.mark.parametrize("command", [["sweep", "run"], ["train"]])
def test_run_and_train_refuse_bad_specs_too(tmp_path, capsys, monkeypatch, command):
    import sweep.driver  # noqa: F401  (imported by both commands first: not part of the answer time)

    spec = write(tmp_path, SMOKE_TEXT.encode() + b"# \xe9\n")
    assert_refused([*command, spec], capsys, monkeypatch, f"{spec}:", "not UTF-8")
    mixture = "intermediate.mixture={mnli: .inf, pawsx.de: 0}"
    assert_refused([*command, SMOKE, "--set", mixture], capsys, monkeypatch, "intermediate.mixture.mnli")


def test_old_number_spellings_still_load():
    from sweep.spec import load_spec

    spec = load_spec(SMOKE, ["intermediate.lr=2e-5", "stage2.lr=5.0e-5", "search.trials=8",
                             "resources.cpus_per_worker=1"])
    assert (spec.intermediate.lr, spec.stage2.lr, spec.search.trials) == (2e-5, 5e-5, 8)
