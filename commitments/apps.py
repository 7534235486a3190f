from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commitments"
    verbose_name = _("Commitments")

    def ready(self):
        # The receivers that keep what is stored on commitments current (the models are loaded now).
        from . import history, stored

        stored.connect()
        history.connect()  # the author and links recorded with each change
