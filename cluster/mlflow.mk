# Included by the Makefile (`include cluster/mlflow.mk`).  Apply:  make mlflow [MLFLOW_PORT=5000]
# Then:  export MLFLOW_TRACKING_URI=http://127.0.0.1:5000  (sweeps log over HTTP; xmix export reads it)
# A real tracking server, not a file: trials on other processes and nodes log to it over HTTP.
# One worker: the UI and a sweep's logging need no more, and a fresh database is ready in ~25 s
# instead of racing four workers through table creation. $(CURDIR), not $(PWD): right under make -C.
MLFLOW_PORT ?= 5000
VENV ?= .venv
MLFLOW ?= $(VENV)/bin/mlflow

.PHONY: mlflow
mlflow:
	$(MLFLOW) server --backend-store-uri sqlite:///$(CURDIR)/mlflow-server.db \
		--default-artifact-root $(CURDIR)/mlflow-artifacts \
		--host 127.0.0.1 --port $(MLFLOW_PORT) --workers 1
