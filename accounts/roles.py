"""Staff roles: what each kind of staff may do in the admin, as Django groups.

A role is a group whose permissions are chosen by patterns over `app_label.codename`
(fnmatch), so a role that covers an app ("catalog.*") takes in that app's new models the
next time `roles_sync` runs (a data migration, `manage.py roles_sync`, the demo loader).
Staff are never superusers: the admin's own permission checks (and the admin actions'
`permissions=[...]`) then decide every page and every action, and
tests/accounts/test_role_matrix.py proves each role's reach page by page.

Who may see travelers' personal data is the point of most of these lines: support agents
(they serve travelers) and admins do; revenue managers, moderators and analysts do not
(no bookings, payments, users or login sessions: names, emails, birth dates live there),
nor do property managers.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

SUPPORT_AGENT = "Support agent"
REVENUE_MANAGER = "Revenue manager"
CONTENT_MODERATOR = "Content moderator"
PROPERTY_MANAGER = "Property manager"
ANALYST = "Analyst"
ADMIN = "Admin"

ROLES: dict[str, tuple[str, ...]] = {
    # Bookings and refunds up to SUPPORT_REFUND_LIMITS (bookings.refund_any_amount lifts
    # the limit), the traveler's account and sessions (a lost phone), a traveler's data
    # export; the catalog to answer questions about it.
    SUPPORT_AGENT: (
        "bookings.view_booking",
        "bookings.view_hold",
        "bookings.view_payment",
        "bookings.view_refund",
        "bookings.refund_booking",
        # Customer service on a booking's page: spelling of names, the confirmation again,
        # internal notes.
        "bookings.correct_traveler_name",
        "bookings.resend_confirmation",
        "bookings.view_bookingnote",
        "bookings.add_bookingnote",
        "accounts.view_user",
        "accounts.export_user",
        "accounts.view_loginsession",
        "accounts.change_loginsession",
        "catalog.view_*",
        "audit.view_auditentry",
        # What a traveler was sent, a resend (with a reason, audited), who is suppressed.
        "notifications.view_message",
        "notifications.resend_message",
        "notifications.view_suppressedaddress",
    ),
    # Inventory and rates, and the demand on the dashboard; no bookings' personal data.
    REVENUE_MANAGER: ("catalog.*", "analytics.view_event"),
    CONTENT_MODERATOR: (
        "reviews.view_review",
        "reviews.change_review",
        "reviews.delete_review",
        "reviews.view_ratingaggregate",
        "reviews.view_reviewreply",
        "reviews.change_reviewreply",
    ),
    # A hotel's, rental company's or airline's own staff: they answer the public reviews of
    # the properties an admin links them to (reviews.ManagedProperty), and see no other
    # review; the link itself is checked by reviews.replies, not by a permission.
    PROPERTY_MANAGER: ("reviews.view_review", "reviews.reply_review"),
    # The dashboard and its CSV exports: counts and amounts, no one's name.
    ANALYST: ("analytics.view_*",),
    # Everything, user accounts and groups included; still not a superuser (the second
    # factor and the admin's checks apply as to anyone).
    ADMIN: ("*",),
}


def role_permits(role: str, permission: str) -> bool:
    """Whether `role`'s patterns cover `permission` ("app_label.codename")."""
    return any(fnmatchcase(permission, pattern) for pattern in ROLES[role])


def roles_sync(apps: Any = None) -> dict[str, int]:
    """Create the role groups if missing and set each one's permissions to what its
    patterns cover now; returns the permission count per role.

    `apps` is a migration's historical registry (None: the live one). Permissions are
    created first, as `migrate` would only after every migration has run.
    """
    from django.apps import apps as live_apps
    from django.contrib.auth.management import create_permissions

    registry = apps or live_apps
    for app_config in registry.get_app_configs():
        if apps is not None:  # a historical app has no models module: it would be skipped
            app_config.models_module = True
        create_permissions(app_config, apps=registry, verbosity=0)
    Group = registry.get_model("auth", "Group")
    Permission = registry.get_model("auth", "Permission")
    every = [
        (pk, f"{app_label}.{codename}")
        for pk, app_label, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    ]
    counts = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        chosen = [pk for pk, name in every if role_permits(role, name)]
        group.permissions.set(chosen)
        counts[role] = len(chosen)
    return counts
