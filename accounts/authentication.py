"""`Authorization: Token <key>` (CONTRACT.md), checked against the hashed keys (accounts.tokens)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.authentication import TokenScheme
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from accounts.tokens import api_token_user


class HashedTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Give the key after the word Token, with no spaces."))
        try:
            key = parts[1].decode()
        except UnicodeDecodeError as error:
            raise AuthenticationFailed(_("This API key is not valid.")) from error
        user = api_token_user(key=key)
        if user is None:
            raise AuthenticationFailed(_("This API key is not valid."))
        return user, None

    def authenticate_header(self, request) -> str:
        return self.keyword


class HashedTokenScheme(TokenScheme):
    """The OpenAPI schema describes the header as DRF's own token scheme."""

    target_class = "accounts.authentication.HashedTokenAuthentication"
