"""The ``kazind`` command line.

Each layer's commands live in ``kazind.commands.<name>`` and register themselves on
:data:`app`. :func:`main` turns any :class:`~kazind.common.KazindError` (a user's
mistake) into one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer

# typer (pinned) vendors its own copy of click; its usage errors are these classes.
from typer._click import exceptions as click_errors

from kazind import __version__
from kazind.common.errors import KazindError

app = typer.Typer(
    name="kazind",
    help="The record, model and scenarios of Kazakhstan's industrialization, 1913-1940.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Modules under kazind.commands, each with a ``register(app)`` function.
COMMAND_MODULES = [
    "facts",
    "places",
    "model",
    "model_doc",
    "run",
    "scenarios",
    "analysis",
    "explorer",
]


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"kazind {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        callback=_version_callback,
        is_eager=True,
    ),
) -> None:
    """The record, model and scenarios of Kazakhstan's industrialization, 1913-1940."""


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"kazind.commands.{name}")
        module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``kazind`` console script."""
    _register_commands()
    try:
        app(args=argv, prog_name="kazind", standalone_mode=False)
    except click_errors.NoArgsIsHelpError as help_shown:
        # `kazind` alone (or a group alone) prints its help, on stdout like --help
        typer.echo(help_shown.ctx.get_help() if help_shown.ctx else help_shown.format_message())
        sys.exit(0)
    except click_errors.UsageError as err:
        # A mistake on the command line: one line, with the command to ask for help.
        where = err.ctx.command_path if err.ctx else "kazind"
        typer.echo(f"kazind: error: {err.format_message()} (see '{where} --help')", err=True)
        sys.exit(2)
    except typer.Abort:
        typer.echo("kazind: aborted", err=True)
        sys.exit(130)
    except KazindError as err:
        typer.echo(f"kazind: error: {err}", err=True)
        sys.exit(2)
    except BrokenPipeError:  # e.g. `kazind facts | head`
        sys.exit(0)
