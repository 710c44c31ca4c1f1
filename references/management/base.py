"""The base of management commands that report every mistake in one line: this app's, and the
project's (kept here so this app needs no project code)."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    """A management command whose argument mistakes are reported in one line, like its other
    errors (argparse's own report is a usage block over several lines)."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message):
            if parser.called_from_command_line:
                parser.exit(2, f"{subcommand}: {message} (see {subcommand} --help)\n")
            raise CommandError(f"Error: {message}")

        parser.error = error
        return parser
