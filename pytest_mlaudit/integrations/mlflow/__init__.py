"""MLflow: the model registry in the gate and in promotion, audit runs logged as MLflow
runs, and the audit history read from MLflow (the ``[mlflow]`` extra)."""
