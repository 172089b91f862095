from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealersConfig(AppConfig):
    name = "dealers"
    verbose_name = _("Dealers")

    def ready(self) -> None:
        from dealers import signals  # noqa: F401  (connects the allauth MFA receivers)
        from dealers.admin.login import install

        install()
