import pytest

from tests.helpers import POLICY, publish

# Enquiries are answered and requests decided: the procedure publishes both steps.
STEPS = ("receive", "answer", "verify", "declare", "decide", "deliver")


@pytest.fixture
def policy(alpha):
    return publish(alpha, data={**POLICY, "procedure": [{"step": step} for step in STEPS]})
