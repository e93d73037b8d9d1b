"""Web Push's deploy checks: subscriptions may not point at any host in production."""

from django.core import checks


def deploy_errors():
    return [
        message for message in checks.run_checks(include_deployment_checks=True) if message.id == "notifications.E002"
    ]


def test_any_push_endpoint_host_fails_the_deploy_check(settings):
    settings.WEBPUSH_ENDPOINT_HOSTS = ["fcm.googleapis.com", "*"]
    [error] = deploy_errors()
    assert error.level == checks.ERROR and "WEBPUSH_ENDPOINT_HOSTS" in error.msg


def test_named_push_services_pass_and_development_is_not_stopped(settings):
    settings.WEBPUSH_ENDPOINT_HOSTS = ["fcm.googleapis.com", "push.services.mozilla.com"]
    assert deploy_errors() == []
    settings.WEBPUSH_ENDPOINT_HOSTS = ["*"]
    assert [m for m in checks.run_checks() if m.id == "notifications.E002"] == []  # `check` without --deploy
