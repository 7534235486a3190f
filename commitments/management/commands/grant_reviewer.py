"""Give a user the IRM reviewer role: `manage.py grant_reviewer USERNAME [--create]`."""

from django.core.management.base import BaseCommand
from django.db import transaction

from commitments.management.accounts import account, add_account_arguments, sign_in_url
from commitments.services import reviewer_grant


class Command(BaseCommand):
    help = ("Give a user the IRM reviewer role: they may then record IRM reports and assessments (in "
            "the admin, from their dashboard) and read every commitment. --create makes the account first.")

    def add_arguments(self, parser):
        add_account_arguments(parser)

    def handle(self, *args, username, create, email, **options):
        self.verbosity = options["verbosity"]
        with transaction.atomic():  # an account made for the role exists only with it
            user = account(self, username=username, create=create, email=email)
            reviewer_grant(user=user)
        if self.verbosity:
            self.stdout.write(self.style.SUCCESS(
                f"{username} is now an IRM reviewer: they may record the IRM's reports and assessments. "
                f"They sign in at {sign_in_url()}."))
