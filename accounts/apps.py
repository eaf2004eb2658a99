from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    """Travelers and staff: a custom user model from day one (email is the login)."""

    name = "accounts"


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with accounts.admin_site's site (password + second factor) as the
    `admin.site` every app registers with.

    Its autodiscover imports every app's admin module at every `django.setup()`, i.e. at
    every Lambda cold start, whatever the request. So admin modules import the services and
    selectors their actions and pages call inside those functions, not at the top.
    """

    default = False  # named in INSTALLED_APPS; AccountsConfig stays this module's default
    default_site = "accounts.admin_site.StaffAdminSite"
