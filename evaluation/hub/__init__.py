"""Every source and target file from the Hugging Face hub: one module of bindings per task
family (hub split -> local file and back), the loader, and ``xmix data prepare``."""
from evaluation.hub.registry import HUB_FILES, NO_HUB_COPY, HubFile, bindings_of, no_hub_copy, register
from evaluation.hub import classification, qa, tagging, retrieval, multiple_choice  # noqa: E402,F401  (registration)

__all__ = ["HUB_FILES", "NO_HUB_COPY", "HubFile", "bindings_of", "no_hub_copy", "register"]
