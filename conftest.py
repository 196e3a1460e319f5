"""Repository-wide test configuration.

* ``pytester`` is enabled for the plugin's acceptance tests (it can only be enabled in the
  top-level conftest).
* Hypothesis runs derandomized with no deadline: these machines are shared and noisy, and
  the same inputs must give the same verdict on every run.
"""

from hypothesis import HealthCheck, settings

pytest_plugins = ["pytester"]

settings.register_profile(
    "mlaudit",
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("mlaudit")
