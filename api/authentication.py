"""Bearer tokens for the API's writes: `Authorization: Bearer <token>` (api/models.py issues them).

Set on the write views only (api/writes.py): reads are public and take no credentials.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.models import APIToken

KEYWORD = "Bearer"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """A personal API token in the Authorization header. No header: anonymous (the view's
    permission answers 401); a header with an unknown, revoked or malformed token: 401."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request)
        if not header:
            return None
        try:
            keyword, secret = header.decode("ascii").split(" ", 1)
        except (UnicodeDecodeError, ValueError):
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>.")) \
                from None
        if keyword.lower() != KEYWORD.lower() or not secret.strip() or " " in secret.strip():
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        token = APIToken.objects.for_secret(secret.strip())
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is unknown or was revoked."))
        token.mark_used()
        return token.user, token

    def authenticate_header(self, request):
        # What makes DRF answer 401 (not 403) to a request without credentials.
        return KEYWORD


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The bearer scheme in the OpenAPI schema, for the operations that use the class above."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "A personal API token, made on /accounts/api-tokens/ or by "
                               "`manage.py api_token USERNAME`."}
