from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commitments"
    verbose_name = _("Commitments")

    def ready(self):
        # Connects the receivers that keep Commitment.search_text current.
        from . import signals  # noqa: F401

        # Any write that changes what the list's facet counts read makes the cached ones stale.
        from .facet_cache import connect_signals

        connect_signals()
