"""The layers: app.core imports nothing else of the app (contracts in tests/importlinter.ini)."""

import configparser
import pkgutil
from pathlib import Path

import grimp
from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "tests" / "importlinter.ini"


def test_import_contracts_are_kept(capsys):
    # No cache: the repository's top level gets no cache directory.
    status = lint_imports(config_filename=str(CONFIG), no_cache=True, no_logo=True)
    output = capsys.readouterr().out
    assert status == EXIT_STATUS_SUCCESS, output


def test_core_contract_names_every_other_module():
    # A forbidden contract only forbids what it lists: a new module left off the list could be
    # imported by app.core unnoticed.
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    forbidden = set(parser["importlinter:contract:core"]["forbidden_modules"].split())
    children = {f"app.{m.name}" for m in pkgutil.iter_modules([str(ROOT / "app")])}
    assert forbidden == children - {"app.core"}


def test_core_does_not_import_the_app_package_itself():
    # ``from app import create_app`` imports ``app``, which no contract above can forbid
    # without forbidding app.core with it.
    graph = grimp.build_graph("app", cache_dir=None)
    core = {m for m in graph.modules if m == "app.core" or m.startswith("app.core.")}
    outside = {
        (module, imported)
        for module in core
        for imported in graph.find_modules_directly_imported_by(module)
        if imported == "app" or (imported.startswith("app.") and imported not in core)
    }
    assert not outside
