"""Root URLs: the admin, language switching, and the public pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from api.tokens import api_tokens
from ogptracker.errors import permission_denied
from ogptracker.health import healthz
from ogptracker.sign_in import SignInView

# A 403 in the site's layout, saying why and where to go (Django's own says only "403 Forbidden").
handler403 = permission_denied

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # The language switch in every page's header carries no CSRF token: a token renews the visitor's
    # CSRF cookie on every page, which would make every page private to one browser
    # (ogptracker/http_caching.py). A forged switch changes only the language the visitor reads in.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    # Staff sign in here in the site's style; logout is a POST (a CSRF-protected form).
    # Signing in lands where the person was going, or on the dashboard (ogptracker/sign_in.py).
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/api-tokens/", api_tokens, name="api-tokens"),
    path("api/v1/", include("api.urls")),
    path("follow/", include("follow.urls")),
    path("", include("commitments.urls")),
]
