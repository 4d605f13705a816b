"""How a command reports a checked file: warnings, then errors by line, then refusal."""

from __future__ import annotations

import click
from rich.console import Console
from rich.markup import escape


def refuse_if_bad(console: Console, warnings: list[str], errors: list[str], name: str) -> None:
    """Print every warning and error; with any error, stop: nothing of the file is stored."""
    for warning in warnings:
        console.print(f"[yellow]warning[/] {escape(warning)}")
    if errors:
        for error in errors:
            console.print(f"[red]error[/] {escape(error)}")
        raise click.ClickException(f"{len(errors)} error(s) in {name}; nothing was imported")
