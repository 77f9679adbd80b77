"""Issue 5 benchmarks: `python -m benchmarks.run --help`; see benchmarks/README.md."""
