from django.apps import AppConfig
from django.core import checks


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from notifications import receivers
        from notifications.delivery.checks import (
            check_push_endpoint_hosts_deployed,
            check_vapid_keys,
            check_vapid_keys_deployed,
        )

        receivers.connect()
        checks.register(check_vapid_keys)
        checks.register(check_vapid_keys_deployed, deploy=True)
        checks.register(check_push_endpoint_hosts_deployed, checks.Tags.security, deploy=True)
