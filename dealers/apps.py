from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealersConfig(AppConfig):
    name = "dealers"
    verbose_name = _("Dealers")

    def ready(self) -> None:
        from dealers import admin_login, signals  # noqa: F401  (signals: connects the allauth MFA receivers)

        admin_login.install()
