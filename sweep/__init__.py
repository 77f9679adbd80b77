"""The sweep layer: the ``xmix`` CLI, the spec, Ray Tune + Optuna over mixtures, the MLflow
layout, confirmation and verdict, cluster submission. Calls ``training``; nothing calls it."""
