from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    """Travelers and staff: a custom user model from day one (email is the login)."""

    name = "accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_roles_after_migrate, sender=self, dispatch_uid="accounts-roles")


def _roles_after_migrate(*, using: str, **_: object) -> None:
    """Every migrate ends with the role groups matching their patterns over the
    permissions that exist now. A migration that syncs them sees only the models migrated
    before it, and the order of apps' migrations is not fixed: a role would miss the
    permissions of a model another app added in a migration that happened to run later."""
    from django.db import DEFAULT_DB_ALIAS

    from accounts.roles import roles_sync

    if using == DEFAULT_DB_ALIAS:
        roles_sync()


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with accounts.admin_site's site (password + second factor) as the
    `admin.site` every app registers with.

    Its autodiscover imports every app's admin module at every `django.setup()`, i.e. at
    every Lambda cold start, whatever the request. So admin modules import the services and
    selectors their actions and pages call inside those functions, not at the top.
    """

    default = False  # named in INSTALLED_APPS; AccountsConfig stays this module's default
    default_site = "accounts.admin_site.StaffAdminSite"
