"""What an operator watches: Prometheus metrics (`metrics.py`) and OpenTelemetry traces (`tracing.py`)."""
