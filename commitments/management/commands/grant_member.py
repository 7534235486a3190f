"""Give a user the secretariat role for one member: `manage.py grant_member USERNAME SLUG [--create]`."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from commitments.management.accounts import account, add_account_arguments, sign_in_url
from commitments.models import Institution, Member
from commitments.services import staff_membership_grant


class Command(BaseCommand):
    help = ("Give a user the secretariat role for a member: they may then edit that member's action "
            "plans, commitments and milestones (on the site and in the admin). --create makes the "
            "account first.")

    def add_arguments(self, parser):
        add_account_arguments(parser)
        parser.add_argument("member_slug", help="The member's OGP slug, e.g. chile.")
        parser.add_argument("--institution", default="",
                            help="Exact name of the institution shown as the author of their changes.")

    def handle(self, *args, username, member_slug, institution, create, email, **options):
        self.verbosity = options["verbosity"]
        # Everything named is checked before an account is made: a typo makes no account.
        member = Member.objects.filter(slug=member_slug).first()
        if member is None:
            raise CommandError(f"No member with slug {member_slug!r}: see /members/ for the slugs.")
        found = None
        if institution:
            found = Institution.objects.filter(name=institution).first()
            if found is None:
                raise CommandError(f"No institution named {institution!r}.")
        with transaction.atomic():  # an account made for the role exists only with it
            user = account(self, username=username, create=create, email=email)
            staff_membership_grant(user=user, member=member, institution=found)
        if self.verbosity:
            self.stdout.write(self.style.SUCCESS(
                f"{username} is now secretariat staff of {member.name}: they may edit its commitments. "
                f"They sign in at {sign_in_url()}."))

