"""The evaluation layer: the ten XTREME-R targets (one module each), metrics, the score JSON,
``xmix score``, lexical similarity. Imports nothing from ``training`` or ``sweep``."""
