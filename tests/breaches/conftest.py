from tests.workflow.conftest import members  # noqa: F401 - the members of every role in alpha
