"""`manage.py send_digests`: each confirmed follower's digest of the changes since the last (daily, cron)."""

from django.core.management.base import BaseCommand, CommandError

from follow.digests import send_digests


class Command(BaseCommand):
    help = ("Mail each confirmed follower one digest of the changes since their last one, on what they "
            "follow; nothing to those with no change. Run daily from cron.")

    def handle(self, *args, **options):
        run = send_digests()
        self.stdout.write(f"{run.sent} digest(s) sent, {run.unchanged} subscriber(s) with no change, "
                          f"{run.expired} unconfirmed request(s) expired.")
        if run.unreachable:
            raise CommandError("The mail server could not be reached; the next run sends the digests left.")
        if run.failed:
            # A non-zero exit, so cron reports it; the next run sends what failed.
            raise CommandError(f"{run.failed} digest(s) could not be sent; the next run will send them.")
