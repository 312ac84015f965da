"""The dashboard is tested over real payments: reuse the payments tests' shop."""

from tests.integration.payments.conftest import shop  # noqa: F401 - a fixture
