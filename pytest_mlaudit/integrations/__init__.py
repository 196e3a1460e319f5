"""Adapters to the systems a model repo already has (MLflow; Feast lives with its check).

Each one imports its library only when used; a missing library is an
:class:`~pytest_mlaudit.errors.MlauditInputError` that names the extra to install.
"""
