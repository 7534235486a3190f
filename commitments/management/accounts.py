"""The account a role command gives its role to: found, or made with `--create` (grant_member,
grant_reviewer), so that one command gives a new staff member everything their first day needs."""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.urls import reverse

from commitments.services import staff_account_create

# A password for the account --create makes, when a script rather than a person reads the output:
# read from the environment so that it never shows in the shell's history or the process list.
PASSWORD_VARIABLE = "OGPTRACKER_PASSWORD"


def add_account_arguments(parser) -> None:
    parser.add_argument("username")
    parser.add_argument(
        "--create", action="store_true",
        help=f"Create the account if there is none: its password is read from ${PASSWORD_VARIABLE} "
             "when set, otherwise made up and printed once.")
    parser.add_argument("--email", default="", help="The new account's e-mail address (with --create).")


def account(command, *, username: str, create: bool, email: str = ""):
    """The user named username; with create, a new account when there is none (its password said
    once on the command's output). Refusals are CommandErrors saying what to do instead."""
    User = get_user_model()
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
    if user is not None:
        if create and command.verbosity:
            command.stdout.write(f"{username} already has an account: its password is unchanged.")
        if not user.is_active:
            command.stderr.write(f"{username}'s account is inactive: it cannot sign in until an "
                                 "administrator ticks Active on its page in the admin.")
        return user
    if not create:
        raise CommandError(f"No user named {username!r}. Add --create to create the account "
                           f"(its password is printed once, or read from ${PASSWORD_VARIABLE}).")
    given = os.environ.get(PASSWORD_VARIABLE, "")
    password = given or secrets.token_urlsafe(12)
    try:
        user = staff_account_create(username=username, password=password, email=email)
    except ValidationError as refused:
        where = f" (from ${PASSWORD_VARIABLE})" if given else ""
        raise CommandError(f"Cannot create {username!r}{where}: {' '.join(refused.messages)}") from None
    if given:
        command.stdout.write(f"Created the account {username!r} with the password in ${PASSWORD_VARIABLE}.")
    else:
        # Shown this once only: nothing keeps it but the account's hash.
        command.stdout.write(f"Created the account {username!r} with the password {password!r}: "
                             "give it to its owner, who changes it after signing in "
                             "(the admin's \"Change password\" link).")
    return user


def sign_in_url() -> str:
    """Where the account signs in: the site's page (it lands on the dashboard, /staff/)."""
    return f"{settings.SITE_URL}{reverse('login')}"
