"""A mistake on the `steward` command line or in its configuration is one line on stderr and
a non-zero exit: no usage block, no traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import base
from django.db import connections

import steward as steward_package
from steward import cli
from steward.core.models import Person


@pytest.fixture
def steward(monkeypatch, capsys):
    """Run ``steward ARGS`` in this process; the exit code and stderr's lines."""
    # The command line's parser replaces Django's for the process: put it back afterwards.
    monkeypatch.setattr(base, "CommandParser", base.CommandParser)
    # A command run from the command line closes the connections when it ends; here that
    # is the test's own (its transaction).
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> tuple[int, list[str]]:
        with pytest.raises(SystemExit) as exited:
            cli.main(["steward", *args])
        return exited.value.code, capsys.readouterr().err.splitlines()

    return run


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["serve", "--port", "abc"], "steward serve: error: argument --port: invalid int value"),
        (["cmdb_import", "cis.csv"], "steward cmdb_import: error: the following arguments are"),
        (["cmdb_export", "--format", "xml"], "steward cmdb_export: error: argument --format"),
        (["mail"], "steward mail: error: the following arguments are required: ingest|fetch"),
        (["scheduler", "--interval", "soon"], "steward scheduler: error: argument --interval"),
        (["demo", "extra"], "steward demo: error: unrecognized arguments: extra"),
    ],
)
def test_a_wrong_argument_is_one_line_and_exit_2(steward, args, start):
    code, lines = steward(*args)

    assert code == 2
    assert len(lines) == 1 and lines[0].startswith(start), lines
    assert lines[0].endswith(f"(see `steward {args[0]} --help`)")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--admin-username", ""], "CommandError: --admin-username: This field cannot be blank."),
        (["--admin-username", "u" * 151],
         "CommandError: --admin-username: Ensure this value has at most 150 characters (it has 151)."),
        (["--admin-email", "not-an-email"], "CommandError: --admin-email: Enter a valid email address."),
    ],
)  # fmt: skip
def test_init_refuses_an_administrator_it_could_not_store(steward, args, line):
    code, lines = steward("init", *args)

    assert (code, lines) == (1, [line])
    assert not Person.objects.filter(is_superuser=True).exists()


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        ("DATABASE_URL", "nonsense", "steward: DATABASE_URL is not a database URL: "),
        ("ATTACHMENT_MAX_BYTES", "10MB",
         "steward: ATTACHMENT_MAX_BYTES must be a whole number, not '10MB'."),
    ],
)  # fmt: skip
def test_a_setting_that_cannot_be_used_is_one_line_and_exit_1(tmp_path, variable, value, line):
    # A new process (this one's settings are loaded already), running this same code.
    source = str(Path(steward_package.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": source, "STEWARD_VAR_DIR": str(tmp_path), variable: value}
    done = subprocess.run(
        [sys.executable, "-m", "steward", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith(line), done.stderr
