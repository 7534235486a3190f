"""`manage.py import_ogp PATH.csv [--dry-run] [--allow-moves] [--leave IDENTIFIER,...]`: import OGP's
commitments export, all rows or none (but the rows it was told to leave)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from commitments.ogp.writing import import_ogp


class Command(BaseCommand):
    help = ("Import OGP's commitments data export (CSV). A file with a bad row is refused whole; "
            "--dry-run reports what would change without writing.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="the CSV file")
        parser.add_argument("--dry-run", action="store_true",
                            help="report what would be created, updated and refused; write nothing")
        parser.add_argument("--allow-moves", action="store_true",
                            help="let rows give existing action plans or commitments to another "
                                 "member (refused without it); every move is listed")
        parser.add_argument("--leave", action="append", default=[], metavar="IDENTIFIER[,IDENTIFIER...]",
                            help="leave the rows of these commitments out whole (repeatable or "
                                 "comma-separated): nothing of them is written; each row left is listed")

    def handle(self, *args, path, dry_run, allow_moves, leave, **options):
        try:
            # The importer reads the file twice (see importers): it must be readable now.
            with Path(path).open("rb"):
                pass
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
        leave = {name.strip() for value in leave for name in value.split(",") if name.strip()}
        result = import_ogp(path, dry_run=dry_run, allow_moves=allow_moves, leave=leave)
        if result.refused:
            lines = [str(error) for error in result.errors]
            raise CommandError(
                f"Refused {path}: {len(result.refused_lines) or 'the file'} bad row(s), nothing written.\n"
                + "\n".join(lines))
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(f"{verb} {result.rows - len(result.left)} rows from {path}"
                          + (" (dry run: nothing written)" if dry_run else ""))
        if result.left:
            self.stdout.write(f"  Left {len(result.left)} row(s) out, as asked (nothing of them written):")
            for row in result.left:
                self.stdout.write(f"    {row}")
        for line in result.summary():
            self.stdout.write(f"  {line}")
        if result.unknown_columns:
            self.stdout.write("  columns kept in ogp_extra, not modelled: "
                              + ", ".join(result.unknown_columns))
        self.stdout.write(self.style.SUCCESS(f"{sum(result.created.values())} created, "
                                             f"{sum(result.updated.values())} updated"))
