import hashlib
import secrets


def token_hash(token: str) -> str:
    """Private links keep only this: a leaked database does not open anyone's status or survey."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_opens(stored_hash: str | None, token: object) -> bool:
    """Whether `token` opens the record whose link hash is `stored_hash` (None: no record has
    the link's reference). Compared all the same then, so timing does not tell references apart."""
    expected = stored_hash if stored_hash is not None else token_hash("no such record")
    matches = secrets.compare_digest(expected, token_hash(str(token or "")[:200]))
    return stored_hash is not None and bool(token) and matches
