"""Give an existing user the secretariat role for one member: `manage.py grant_member USERNAME SLUG`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from commitments.models import Institution, Member
from commitments.services import staff_membership_grant


class Command(BaseCommand):
    help = ("Give an existing user the secretariat role for a member: they may then edit that member's "
            "action plans, commitments and milestones (and sign in to the admin).")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("member_slug", help="The member's OGP slug, e.g. chile.")
        parser.add_argument("--institution", default="",
                            help="Exact name of the institution shown as the author of their changes.")

    def handle(self, *args, username, member_slug, institution, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}: create the account first "
                               "(manage.py createsuperuser or the admin).") from None
        member = Member.objects.filter(slug=member_slug).first()
        if member is None:
            raise CommandError(f"No member with slug {member_slug!r}: see /members/ for the slugs.")
        found = None
        if institution:
            found = Institution.objects.filter(name=institution).first()
            if found is None:
                raise CommandError(f"No institution named {institution!r}.")
        staff_membership_grant(user=user, member=member, institution=found)
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(
                f"{username} is now secretariat staff of {member.name}: they may edit its commitments."))
