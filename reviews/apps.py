from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("IRM reviews")
    # Assessment and report writes refresh the ratings stored on commitments: commitments/freshness/saves.py.
