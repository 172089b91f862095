"""manage.py import_recall FILE: load a recall campaign and its per-chassis target list."""

from __future__ import annotations

import json
from argparse import RawDescriptionHelpFormatter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vehicles.services.recall_import import FORMAT_DOC, RecallImportError, recall_campaign_import


class Command(BaseCommand):
    help = "Import a recall campaign (リコール / 改善対策 / サービスキャンペーン) from a JSON file.\n\n" + FORMAT_DOC

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Keep the format description's layout in --help.
        kwargs["formatter_class"] = RawDescriptionHelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the campaign JSON file.")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Skip (and report) bad target rows instead of importing nothing."
        )

    def handle(self, *args, file: str, skip_invalid: bool, **options):
        try:
            data = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{file} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        try:
            result = recall_campaign_import(data=data, skip_invalid=skip_invalid)
        except RecallImportError as exc:
            for line in exc.errors:
                self.stderr.write(f"{file}: {line}")
            raise CommandError(f"{file}: {len(exc.errors)} error(s); nothing imported") from None
        for line in result.skipped:
            self.stderr.write(f"{file}: skipped {line}")
        verb = "created" if result.created else "updated"
        self.stdout.write(
            f"{result.campaign.notification_number} {verb}: {result.ranges} range(s), "
            f"{result.targets_in_file} target(s) in file, {result.targets_added} new, "
            f"{result.targets_with_vehicle} matched to our vehicles, {len(result.skipped)} skipped"
        )
