from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commitments"
    verbose_name = _("Commitments")

    def ready(self):
        # What every save and delete does beyond its own row (the models are loaded now).
        from django.db.backends.signals import connection_created

        from . import search
        from .freshness import saves

        saves.connect()
        # SQLite's ordering by relevance folds text with search.normalize (search.Folded).
        connection_created.connect(search.register_functions, dispatch_uid="commitments.search.functions")
