from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("IRM reviews")

    def ready(self):
        # Assessment and report writes refresh the IRM ratings stored on each commitment.
        from .ratings import connect_signals

        connect_signals()
