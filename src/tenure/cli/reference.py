"""The command reference (``docs/cli.md``), generated from the ``tenure`` app itself."""

from __future__ import annotations

import typer
import typer.main


def _walk(command, path: list[str]):  # type: ignore[no-untyped-def]
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _walk(sub, [*path, name])


def commands(app: typer.Typer) -> list[tuple[str, object]]:
    """Every command of ``app`` as (``tenure sub command``, click command), groups included."""
    root = typer.main.get_command(app)
    return [(" ".join(["tenure", *path]), cmd) for path, cmd in _walk(root, []) if path]


def reference_markdown(app: typer.Typer) -> str:
    """Markdown listing every command with its help and options."""
    lines = [
        "# Command reference",
        "",
        "Generated from the `tenure` command itself; `tenure COMMAND --help` says the same.",
        "",
    ]
    for name, cmd in commands(app):
        lines += [f"## `{name}`", "", (getattr(cmd, "help", None) or "").strip(), ""]
        params = [p for p in getattr(cmd, "params", []) if p.name != "help"]
        if params:
            lines += ["| argument or option | meaning |", "| --- | --- |"]
            for p in params:
                flags = (
                    ", ".join(f"`{o}`" for o in (p.opts + p.secondary_opts))
                    if p.param_type_name == "option"
                    else f"`{p.name.upper()}`"
                )
                text = (getattr(p, "help", None) or "").replace("|", "\\|").replace("\n", " ")
                lines.append(f"| {flags} | {text} |")
            lines.append("")
    return "\n".join(lines)
