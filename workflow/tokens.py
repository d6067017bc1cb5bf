import hashlib


def token_hash(token: str) -> str:
    """Private links keep only this: a leaked database does not open anyone's status or survey."""
    return hashlib.sha256(token.encode()).hexdigest()
