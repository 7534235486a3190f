from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "follow"
    verbose_name = _("Follow by e-mail")
