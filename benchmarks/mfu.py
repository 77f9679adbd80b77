"""Model-FLOP utilisation of stage-2 training on an XLM-R-base-sized encoder (GPU only).

The config is XLM-R base's (12 layers, hidden 768, 12 heads, FFN 3072) with the
shared model's tokenizer (multilingual-e5-small uses XLM-R's vocabulary), randomly
initialised: no download, and throughput does not depend on the weights.
FLOPs = 6 * N * tokens, N = parameters outside the embeddings (Kaplan et al.
2020 counting; attention-score FLOPs left out), tokens = real tokens, so padding
lowers MFU. Peak = the card's dense bf16 tensor-core rate, the usual denominator.

Batches go through ``DeviceStream``, which counts their tokens and starts the copy
to the GPU without blocking (``MultiHeadModel.forward`` would copy them anyway). The
loop runs in fp32 as implemented; a bf16-autocast run shows what mixed precision adds.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

from benchmarks.common import Figure, StepClock, after_warmup, load_tokenizer, mnli_stage2, skipped

MFU_GOAL = 0.35
BATCH_SIZE, MAX_LENGTH = 64, 128
# Dense (no sparsity) bf16 peaks, FLOP/s, from the vendors' data sheets.
PEAK_BF16 = {"H200": 989.4e12, "H100 SXM": 989.4e12, "H100 80GB HBM3": 989.4e12, "H100 PCIe": 756.0e12,
             "H100 NVL": 835.0e12, "A100": 312.0e12, "L40S": 362.0e12, "A10G": 70.0e12}
XLMR_BASE = {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
             "max_position_embeddings": 514, "type_vocab_size": 1}


def peak_flops(device_name: str) -> float | None:
    for key, value in PEAK_BF16.items():
        if key in device_name:
            return value
    return None


class DeviceStream:
    def __init__(self, stream, device) -> None:
        self.stream = stream
        self.device = device
        self.tokens: list[int] = []
        self.padded: list[int] = []

    def next(self) -> dict:
        batch = self.stream.next()
        self.tokens.append(int(batch["attention_mask"].sum()))
        self.padded.append(int(batch["attention_mask"].numel()))
        return {k: v.to(self.device, non_blocking=True) if hasattr(v, "to") else v for k, v in batch.items()}


class Autocast:
    """Wraps a MultiHeadModel's forward in bf16 autocast, leaving its parameters fp32."""

    def __init__(self, model, enabled: bool) -> None:
        self.model = model
        self.enabled = enabled

    def __getattr__(self, name):
        return getattr(self.model, name)

    def __call__(self, *args, **kwargs):
        import torch

        context = torch.autocast("cuda", dtype=torch.bfloat16) if self.enabled else contextlib.nullcontext()
        with context:
            return self.model(*args, **kwargs)


def build_model(tokenizer, num_labels: int, device, sizes: dict):
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaModel

    from evaluation.examples import Format
    from training.model import MultiHeadModel, make_head

    torch.manual_seed(0)
    config = XLMRobertaConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, **sizes)
    encoder = XLMRobertaModel(config, add_pooling_layer=False)
    model = MultiHeadModel(encoder, {"target": make_head(Format.CLASSIFICATION, config.hidden_size, num_labels)})
    non_embedding = sum(p.numel() for name, p in model.named_parameters() if not name.startswith("encoder.embeddings."))
    return model.to(device), non_embedding


def run(features, fmt, labels, tokenizer, device, steps: int, warmup: int, bf16: bool, sizes: dict,
        batch_size: int) -> dict:
    import torch

    from training.batches import BatchStream
    from training.loop import _train

    model, parameters = build_model(tokenizer, len(labels), device, sizes)
    stream = DeviceStream(BatchStream(features, fmt, tokenizer, batch_size, 0), device)
    clock = StepClock()

    def draw() -> str:
        clock.mark()  # _train's loss.item() synchronises every step, so marks are step boundaries
        return "target"

    # _train calls parameters() and train() on what it gets: the wrapper forwards both.
    _train(Autocast(model, bf16), {"target": stream}, draw, lambda _: "target", steps, 2e-5,
           lambda metrics: None, 10**9, "stage2/xnli")
    if device.type == "cuda":
        torch.cuda.synchronize()
    clock.stop()
    seconds = sum(after_warmup(clock.step_times(), warmup))
    real, padded = sum(after_warmup(stream.tokens, warmup)), sum(after_warmup(stream.padded, warmup))
    return {"non_embedding_params": parameters, "seconds": seconds, "real_tokens": real, "padded_tokens": padded,
            "model_flops_per_s": 6 * parameters * real / seconds,
            "model_flops_per_s_padded": 6 * parameters * padded / seconds}


def measure(quick: bool, threads: int, cache: Path, peak_override: float | None = None) -> dict[str, Figure]:
    import torch

    goal = f">= {MFU_GOAL:.0%}"
    if not torch.cuda.is_available():
        return {"mfu": skipped(goal, "no GPU here (torch.cuda.is_available() is False); run on a GPU machine")}
    device = torch.device("cuda")
    name = torch.cuda.get_device_name(0)
    peak = peak_override or peak_flops(name)
    if peak is None:
        return {"mfu": skipped(goal, f"unknown peak for {name!r}; pass --peak-tflops")}
    steps, warmup = (20, 5) if quick else (120, 20)
    tokenizer = load_tokenizer()
    features, fmt, labels = mnli_stage2(tokenizer, MAX_LENGTH, cache)
    runs = {precision: run(features, fmt, labels, tokenizer, device, steps, warmup, precision == "bf16_autocast",
                           XLMR_BASE, BATCH_SIZE)
            for precision in ("fp32_as_implemented", "bf16_autocast")}
    for outcome in runs.values():
        outcome["mfu"] = outcome["model_flops_per_s"] / peak
        outcome["mfu_counting_padding"] = outcome["model_flops_per_s_padded"] / peak
    value = runs["fp32_as_implemented"]["mfu"]
    details = {"device": name, "peak_flops": peak, "batch_size": BATCH_SIZE, "max_length": MAX_LENGTH,
               "steps": steps, "warmup_steps": warmup, **runs}
    return {"mfu": Figure(value=value, goal=goal, met=value >= MFU_GOAL, details=details,
                          note="value: the loop as implemented (fp32); details.bf16_autocast: with mixed precision")}
