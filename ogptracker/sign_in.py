"""Where signing in lands (README, "Staff editing and roles"): where the person was going.

The `next` a page gives (the header's Sign in link: the page one was on; a page that needs an
account: itself) is followed when it is a page worth returning to. The home page, the sign-in and
signed-out pages are not (the last two would loop or answer 405): from them, and with no `next`,
one lands on LOGIN_REDIRECT_URL, the staff dashboard, where each role's work starts.
"""

from urllib.parse import urlsplit

from django.contrib.auth import views as auth_views
from django.urls import reverse


def _nowhere_to_return() -> set[str]:
    return {"/", reverse("login"), reverse("logout")}


class SignInView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_redirect_url(self):
        url = super().get_redirect_url()  # "" unless safe (this host, no scheme change)
        return "" if url and urlsplit(url).path in _nowhere_to_return() else url
