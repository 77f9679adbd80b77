"""The training layer: a ``TrialPlan`` in, scores out. Stage-1 sources, the mixture sampler,
model and heads, the loop every Ray Train worker runs, stage 2, the leakage guard, the cache."""
