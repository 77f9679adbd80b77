"""The session's Ray head + MLflow server + submitted smoke sweep (tests/integration/cluster_stack.py)."""
import pytest

from tests.integration.cluster_stack import Stack, shared_stack, stop_shared_stack


@pytest.fixture(scope="session")
def cluster_sweep(tmp_path_factory) -> Stack:
    try:
        yield shared_stack(tmp_path_factory.mktemp("cluster"))
    finally:
        stop_shared_stack()
