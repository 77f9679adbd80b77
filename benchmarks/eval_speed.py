"""eval_examples_per_s: ``training.predict.predict_classification`` vs a naive baseline, on XNLI's
search set (dev).

"after" is the implementation: cached features, length-sorted batches, dynamic
padding, ``inference_mode``. "before" is what a first version typically does and
is written here: file order, every batch padded to max_length, ``no_grad`` only,
tokenising as it goes. Same model, examples, batch size and threads. The
implementation's tokenisation is cached across trials, so the cache is warmed
before timing; the baseline's tokenising is timed because it has no cache.
"""
from __future__ import annotations

import time
from pathlib import Path

from benchmarks.common import MAX_LENGTH, NUM_LAYERS, Figure, data_root, load_encoder_model

LANGUAGES = ("de", "ar", "zh", "hi", "sw")  # the demo's XNLI languages, several scripts and lengths
EVAL_BATCH_SIZE = 64  # TargetSpec.eval_batch_size's default
SEED = 0


def naive_predict(model, head, examples, labels, tokenizer, max_length: int, batch_size: int) -> list[int]:
    import torch

    predictions: list[int] = []
    with torch.no_grad():
        for begin in range(0, len(examples), batch_size):
            chunk = examples[begin: begin + batch_size]
            batch = tokenizer([e.text_a for e in chunk], [e.text_b or "" for e in chunk], truncation=True,
                              max_length=max_length, padding="max_length", return_tensors="pt",
                              return_token_type_ids=False)
            states = model.encode(batch["input_ids"], batch["attention_mask"])
            predictions.extend(head.logits(states, batch["attention_mask"]).argmax(-1).tolist())
    return predictions


def xnli_search_set(per_language: int):
    """The first examples of XNLI's search set (what a sweep's trials score) per language."""
    import evaluation.targets  # noqa: F401  (registration)
    from evaluation.targets import TARGETS
    from training.plan import SEARCH

    target = TARGETS.get("xnli")
    search_set = target.eval_sets()[SEARCH]
    examples = []
    for language in LANGUAGES:
        examples.extend(target.read_eval(data_root(), language, search_set)[:per_language])
    return examples, target.labels


def measure(quick: bool, threads: int, cache: Path) -> dict[str, Figure]:
    import torch

    from training.loop import quiet_libraries
    from training.predict import predict_classification

    quiet_libraries()
    torch.set_num_threads(threads)
    examples, labels = xnli_search_set(12 if quick else 60)
    rounds = 1 if quick else 3
    tokenizer, model, head_name = load_encoder_model(NUM_LAYERS, labels, SEED)
    model.eval()
    head = model.heads[head_name]

    def after():
        return predict_classification(model, head, examples, labels, tokenizer, MAX_LENGTH, EVAL_BATCH_SIZE, cache)

    def before():
        return naive_predict(model, head, examples, labels, tokenizer, MAX_LENGTH, EVAL_BATCH_SIZE)

    after()  # warms the feature cache and the thread pool, as earlier trials would
    seconds = {"before": [], "after": []}
    for _ in range(rounds):  # alternate, so drifting machine load hits both alike
        for name, run in (("before", before), ("after", after)):
            begin = time.perf_counter()
            predictions = run()
            seconds[name].append(time.perf_counter() - begin)
            if name == "before":
                naive_predictions = predictions
            else:
                ours = predictions
    # Best of the rounds: the least disturbed measurement of each.
    per_s = {name: len(examples) / min(times) for name, times in seconds.items()}
    agreement = sum(a == b for a, b in zip(naive_predictions, ours)) / len(examples)
    details = {"examples": len(examples), "languages": list(LANGUAGES), "rounds": rounds, "seconds": seconds,
               "batch_size": EVAL_BATCH_SIZE, "max_length": MAX_LENGTH, "num_layers": NUM_LAYERS,
               "threads": threads, "speedup": per_s["after"] / per_s["before"],
               # Padding changes the arithmetic slightly; an untrained head's near-ties may flip.
               "prediction_agreement": agreement}
    return {"eval_examples_per_s": Figure(value=per_s, goal="after > before", met=per_s["after"] > per_s["before"],
                                          details=details)}
