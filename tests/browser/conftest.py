"""The browser test reads the MLflow server of the integration stack: same session-wide processes."""
from tests.integration.conftest import cluster_sweep  # noqa: F401  (fixture re-export; one stack per session)
