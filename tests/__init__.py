"""unit/: behaviour in one process (seconds); integration/: real Ray, MLflow and sweeps
(``slow`` ones run by ``make test-slow``); browser/: the MLflow UI in Debian's Chromium."""
