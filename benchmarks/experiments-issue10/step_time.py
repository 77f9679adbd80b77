"""Stage-1 step time by format on the demo's sources, word embeddings trained vs frozen
(1 thread, 20 timed steps after 5 warm-up steps, uniform mixture).

    python benchmarks/experiments-issue10/step_time.py
"""
import copy
import time
from pathlib import Path

import torch

from sweep.spec import load_spec
from sweep.validate import build_plan
from training.loop import _heads, adamw, quiet_libraries, stage1_streams
from training.mixture import MixtureSampler
from training.model import MultiHeadModel, head_key, load_encoder
from training.sources import SOURCES


def main() -> None:
    quiet_libraries()
    torch.set_num_threads(1)
    plan = build_plan(load_spec("configs/demo.yaml"))
    plan = plan.for_run({source: 1 / len(plan.sources) for source in plan.sources}, 0, ("search",))
    tokenizer, encoder = load_encoder(plan.model_name_or_path, plan.num_layers)
    sources = {name: SOURCES.get(name) for name in plan.mixture}
    streams = stage1_streams(plan, sources, tokenizer, Path(plan.data_root))
    head_of = {name: head_key(source.format, source.labels) for name, source in sources.items()}
    for freeze in (False, True):
        trained = copy.deepcopy(encoder)
        trained.get_input_embeddings().weight.requires_grad_(not freeze)
        model = MultiHeadModel(trained, _heads(sources, trained.config.hidden_size, 0))
        optimizer, sampler, times = adamw(model, 5e-5), MixtureSampler(plan.mixture, 0), {}
        for step in range(25):
            name = sampler.draw()
            batch = streams[name].next()
            begin = time.perf_counter()
            model(head_of[name], batch).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            if step >= 5:
                times.setdefault(sources[name].format.value, []).append(time.perf_counter() - begin)
        every = [t for values in times.values() for t in values]
        print("frozen" if freeze else "trained", {k: round(sum(v) / len(v), 3) for k, v in times.items()},
              "mean", round(sum(every) / len(every), 3), flush=True)


if __name__ == "__main__":
    main()
