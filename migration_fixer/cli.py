"""The command line: options -> Config -> api.run() -> report -> exit code.

This is the only module that imports click.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO, Any, NoReturn

import click

from migration_fixer import __version__, report
from migration_fixer.api import RunResult, run
from migration_fixer.config import ConfigError, Mode, build_config
from migration_fixer.git import GitError
from migration_fixer.output.diff import colorize_bytes, render_diff_bytes
from migration_fixer.rules import ALL_RULES, RULES_BY_CODE
from migration_fixer.runner import stop_on_signals

FORMATS = ("text", "json", "github", "sarif")
_PROGRESS_THRESHOLD = 500  # files; a shorter run finishes before a bar helps
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class _Main(click.Group):
    """``migration-fixer [PATHS]...`` runs the fixer; ``migration-fixer rule CODE``
    explains a rule. Anything that is not a subcommand name goes to the fixer."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands:
            args = ["fix", *args]
        return super().parse_args(ctx, args)


class _FixCommand(click.Command):
    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage("migration-fixer", "[OPTIONS] [PATHS]...")


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Make Django migrations safe to roll back."""


@cli.command(
    "fix",
    cls=_FixCommand,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=(
        "\b\nExit codes:\n"
        "  0  nothing found, or everything fixed\n"
        "  1  findings remain (--check: anything found; --diff: the patch is not empty)\n"
        "  2  usage or configuration error, or a file could not be processed\n"
        "\n"
        "Explain a rule: migration-fixer rule MF001"
    ),
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--check", "check", is_flag=True, help="Report only; exit 1 if anything is found.")
@click.option(
    "--diff", "diff", is_flag=True, help="Print a unified diff of the fixes; write nothing."
)
@click.option(
    "--since", metavar="REF", help="Only migrations changed since the merge-base with REF."
)
@click.option(
    "--select",
    metavar="CODES",
    help="Comma-separated rule codes to run, or ALL (default: every rule not in preview).",
)
@click.option("--ignore", metavar="CODES", help="Comma-separated rule codes to skip.")
@click.option(
    "--output-format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="How findings are printed.",
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: cores).")
@click.option("--no-progress", is_flag=True, help="Never show a progress bar.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors (and the diff).")
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Also print notes: what was read (the database dialect, "
    "MIGRATION_MODULES, the cache) and what is left undecided.",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the output.",
)
@click.option("--allow-dirty", is_flag=True, help="Write into files with uncommitted changes.")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Neither read nor write the result cache (.migration_fixer_cache).",
)
@click.option(
    "--strategy",
    type=click.Choice(["nullable", "db-default"]),
    help="MF003: make the field nullable (default), or keep NOT NULL with a db_default.",
)
@click.option(
    "--unsafe-fixes/--no-unsafe-fixes",
    default=None,
    help="Include fixes that may not retain the original intent of the code. "
    "Use `--no-unsafe-fixes` to disable.",
)
@click.option(
    "--dialect",
    metavar="NAMES",
    help="MF002, MF003: the database(s) the project runs on: postgresql, mysql, sqlite "
    "(comma-separated; default: dialect in [tool.migration-fixer], else the settings files).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read [tool.migration-fixer] from this file instead of the nearest pyproject.toml.",
)
@click.version_option(__version__, "--version", prog_name="migration-fixer")
def fix_command(
    paths: tuple[Path, ...],
    check: bool,
    diff: bool,
    since: str | None,
    select: str | None,
    ignore: str | None,
    output_format: str,
    jobs: int | None,
    no_progress: bool,
    quiet: bool,
    verbose: bool,
    color: str,
    allow_dirty: bool,
    no_cache: bool,
    strategy: str | None,
    unsafe_fixes: bool | None,
    dialect: str | None,
    config_file: Path | None,
) -> None:
    """Fix Django migrations in place so that they can be rolled back.

    PATHS are files or folders (default: the current folder); every
    `migrations/*.py` below them is checked.
    """
    if check and diff:
        _fail("--check and --diff cannot be used together")
    mode = Mode.CHECK if check else Mode.DIFF if diff else Mode.FIX
    try:
        config = build_config(
            paths=list(paths),
            mode=mode,
            select=select,
            ignore=ignore,
            since=since,
            allow_dirty=allow_dirty,
            cache=not no_cache,
            jobs=jobs,
            output_format=output_format,
            strategy=strategy,
            config_file=config_file,
            unsafe_fixes=unsafe_fixes,
            dialect=dialect,
        )
        use_color = {"always": True, "never": False}.get(color)
        show_progress = want_progress(no_progress=no_progress, quiet=quiet, stream=sys.stderr)
        with stop_on_signals():  # SIGTERM stops the run like Ctrl-C
            result = _run_with_progress(config, show_progress)
    except (ConfigError, GitError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _interrupted()
    _render(result, quiet=quiet, verbose=verbose, color=use_color, explicit=bool(paths))
    sys.exit(report.exit_code(result))


def _fail(message: str) -> NoReturn:
    """A usage or configuration error: one line on stderr, exit 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(report.EXIT_ERROR)


def _interrupted() -> NoReturn:
    click.echo(
        "Interrupted: stopped before the end; each migrations folder is either fully fixed "
        "or untouched.",
        err=True,
    )
    sys.exit(EXIT_INTERRUPTED)


def want_progress(*, no_progress: bool, quiet: bool, stream: IO[str]) -> bool:
    """A progress bar only for a person watching: stderr is a terminal, not in CI, and
    neither --quiet nor --no-progress (the run must also be long: see _run_with_progress)."""
    if no_progress or quiet or os.environ.get("CI"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _run_with_progress(config: Any, show: bool) -> RunResult:
    if not show:
        return run(config)
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None and total >= _PROGRESS_THRESHOLD:
            bar = click.progressbar(length=total, label="Checking", file=sys.stderr)
            bar.__enter__()
        if bar is not None:
            bar.update(done - bar.pos)

    try:
        return run(config, progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def _render(
    result: RunResult, *, quiet: bool, verbose: bool, color: bool | None, explicit: bool
) -> None:
    """``explicit``: the paths were given on the command line (a folder named there
    without migrations is worth a note; the current folder by default is not)."""
    fmt = result.config.output_format
    for line in report.problem_lines(result):
        click.secho(f"error: {line}", err=True, fg="red", color=color)
    if explicit and not quiet:
        for note in report.empty_folder_notes(result):
            click.echo(f"note: {note}", err=True, color=color)
    if verbose:
        for detail in result.details:
            click.echo(f"note: {detail}", err=True, color=color)
    mode = result.config.mode
    # --diff: the patch goes to stdout, except with json (which carries it in "diff")
    # and sarif (a JSON document of its own); github annotations then go to stderr,
    # where the runner reads workflow commands too.
    if mode is Mode.DIFF and fmt in ("text", "github"):
        root = result.repo_root or Path.cwd()
        patch = render_diff_bytes(result.changeset, root)
        if patch:
            want_color = color if color is not None else sys.stdout.isatty()
            click.echo(colorize_bytes(patch) if want_color else patch, nl=False)
    if fmt != "text":
        from migration_fixer.output import machine

        to_stderr = mode is Mode.DIFF and fmt == "github"
        click.echo(machine.render(fmt, result), nl=False, err=to_stderr)
        return
    if quiet:
        return
    to_stderr = mode is Mode.DIFF  # keep stdout a clean patch
    for path, finding in result.findings:
        click.echo(report.finding_line(result, path, finding), err=to_stderr, color=color)
        hint = result.hint(path, finding)
        if hint:
            click.echo(f"  hint: {hint}", err=to_stderr, color=color)
    for notice in result.notices:
        click.echo(notice, err=to_stderr, color=color)
    click.echo(report.summary(result), err=to_stderr, color=color)


@cli.command("rule", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Explain every rule.")
def rule_command(code: str | None, show_all: bool) -> None:
    """Explain a rule (e.g. `migration-fixer rule MF001`), or list them."""
    from migration_fixer.docs import explain, rule_table

    if show_all:
        click.echo("\n\n".join(explain(rule) for rule in ALL_RULES))
        return
    if code is None:
        click.echo(rule_table())
        return
    rule = RULES_BY_CODE.get(code.strip().upper())
    if rule is None:
        known = ", ".join(RULES_BY_CODE)
        raise click.UsageError(f"unknown rule code {code!r} (known: {known})")
    click.echo(explain(rule))


@cli.command("suggest", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument(
    "patch", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path)
)
@click.option(
    "--pr-diff",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The pull request's own diff (git diff BASE...HEAD): suggestions outside it go to "
    "the review's body, where GitHub accepts them.",
)
@click.option("--commit", metavar="SHA", help="The PR head commit the suggestions apply to.")
def suggest_command(patch: Path, pr_diff: Path | None, commit: str | None) -> None:
    """Turn a `--diff` PATCH into a GitHub pull-request review with suggested changes
    (the JSON body of POST /repos/{owner}/{repo}/pulls/{number}/reviews, on stdout).

    Safe to run inside an untrusted checkout: it reads the two files and imports nothing
    from the working directory."""
    from migration_fixer.output.suggestions import review

    def read(path: Path) -> str:
        if str(path) == "-":
            return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
        try:
            return path.read_bytes().decode("utf-8", "surrogateescape")
        except OSError as exc:
            _fail(f"{path}: cannot read: {exc.strerror or exc}")

    payload = review(read(patch), read(pr_diff) if pr_diff else None, commit)
    click.echo(json.dumps(payload, indent=2, ensure_ascii=False))


def main() -> None:
    cli(prog_name="migration-fixer")
