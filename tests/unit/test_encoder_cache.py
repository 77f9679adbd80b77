"""The in-process encoder cache: one read per model, independent copies, same results as a fresh load."""
from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from sweep.spec import load_spec
from sweep.validate import build_plan
from tests.conftest import PROJECT_ROOT
from training.encoder_cache import EncoderCache
from training.loop import quiet_libraries, run_plan
from training.model import load_encoder
from training.plan import TrialPlan

MODEL = str((PROJECT_ROOT.parent / "shared" / "models" / "multilingual-e5-small").resolve())


def test_reads_once_and_hands_out_independent_copies():
    cache = EncoderCache()
    _, first = cache(MODEL, 1)
    with torch.no_grad():
        first.embeddings.word_embeddings.weight.add_(1.0)  # a trial trains its copy...
    _, second = cache(MODEL, 1)
    _, fresh = load_encoder(MODEL, 1)
    # ...and the next trial still starts from the pretrained weights.
    assert torch.equal(second.embeddings.word_embeddings.weight, fresh.embeddings.word_embeddings.weight)
    assert cache.loads == 1
    cache(MODEL, 2)  # another layer count is another model
    assert cache.loads == 2


@pytest.fixture(scope="module")
def tiny_plan(tmp_path_factory) -> TrialPlan:
    spec = load_spec(PROJECT_ROOT / "configs" / "smoke.yaml", [
        "model.num_layers=1", "model.max_length=32", "intermediate.steps=3", "stage2.steps=2",
        "targets={xnli: {languages: [de], eval_cap: 8}}"])
    plan = build_plan(spec).for_run({"mnli": 0.5, "pawsx.de": 0.5}, seed=0, roles=("search",))
    return replace(plan, cache_dir=str(tmp_path_factory.mktemp("cache")))


def test_a_cached_encoder_trains_exactly_like_a_fresh_load(tiny_plan):
    """A sweep's later trials use the cache, `xmix train` loads fresh: both must give the same scores."""
    quiet_libraries()
    torch.set_num_threads(1)
    fresh = run_plan(tiny_plan)
    cache = EncoderCache()
    run_plan(tiny_plan, encoders=cache)  # the first trial of an actor: loads
    cached = run_plan(tiny_plan, encoders=cache)  # a later one: copies
    assert cache.loads == 1
    assert cached.history == fresh.history
    assert cached.scores == fresh.scores
