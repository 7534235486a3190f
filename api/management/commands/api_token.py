"""Print a new personal API token for a script: `manage.py api_token USERNAME [--name NAME]`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.models import NAME_MAX_LENGTH, APIToken, may_hold_token


class Command(BaseCommand):
    help = ("Make a personal API token for a staff user and print it (once: only its digest is kept). "
            "Revoke it on /accounts/api-tokens/ or in the admin.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="manage.py api_token",
                            help="What the token is for, shown on the user's tokens page.")

    def handle(self, *args, username, name, **options):
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"No user named {username!r}: create the account first.")
        if not may_hold_token(user):
            raise CommandError(f"{username} may not edit anything here (no secretariat membership, not an "
                               "IRM reviewer, inactive or not a superuser): a token would be of no use. "
                               "Give them a role first (manage.py grant_member).")
        if not name.strip() or len(name.strip()) > NAME_MAX_LENGTH:
            raise CommandError(f"--name must be 1 to {NAME_MAX_LENGTH} characters.")
        _token, secret = APIToken.objects.issue(user=user, name=name)
        # The token alone on stdout, so a script can read it with $(manage.py api_token ...).
        self.stdout.write(secret)
