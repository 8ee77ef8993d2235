"""``python main.py flows …``: check, test, publish and document flow files.

``main.py run`` builds this module's parser too (``add_parser``), so what only a flows command needs
(the golden-script runner, the inspector, babel's PO reader, the diagram) is imported in that command.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect as pyinspect
import io
import re
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.cases.preservation import PRESERVATION_FILE, load_preservation
from bot.cases.routing import load_routing
from bot.cli import database
from bot.config import environment
from bot.engine.errors import FlowLoadError, listed
from bot.engine.loader import load_flow
from bot.engine.model import LANGUAGES, STEP_KINDS, Danger, Flow, Words
from bot.paths import flows_dir
from bot.problems import ConfigError

if TYPE_CHECKING:
    from bot.cases.publishing import Assessment

PLACES_EXAMPLE = """\
# Typed place names that mean an option of a single-choice question. A match is a proposal: the bot
# asks "Lahore is in Punjab. Is that right?" with a one-tap "Yes, Punjab" before taking it.
places:
  province:                 # the question's step id
    punjab: [lahore, lhr, "لاہور", pindi, rawalpindi]
    sindh: [karachi, khi, "کراچی", hyderabad]
"""

FLOW_ID_RE = re.compile(r"^id:\s*['\"]?([a-z][a-z0-9_]*)", re.MULTILINE)
ROUTING_FILE = "routing.yaml"
T = TypeVar("T")
MAX_PRINTED = 50  # problems or issues printed per file; the rest are counted (issue 20: a hostile file had 1000s)


def folder() -> Path:
    """The flows folder the bot uses (FLOWS_DIR, else the shipped one), so a command checks what runs;
    shown relative to the working directory when it is under it (``flows/report.yaml`` in a checkout)."""
    path = flows_dir(environment())
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def default_flow_paths() -> list[Path]:
    return sorted(p for p in folder().glob("*.yaml") if p.name not in (ROUTING_FILE, PRESERVATION_FILE))


def check_routing(path: Path) -> bool:
    """Print the routing table's problems; True when it loads."""
    return _check_table(
        path,
        load_routing,
        lambda t: f"{len(t.provinces)} provinces, {len(t.queues)} queues, fallback {t.fallback!r}",
    )


def check_preservation(path: Path) -> bool:
    """Print the preservation file's problems; True when it loads."""
    return _check_table(path, load_preservation, lambda t: f"a line for {len(t.lines)} platforms, in English and Urdu")


def _check_table(path: Path, load: Callable[[str], T], summary: Callable[[T], str]) -> bool:
    """One of the data files beside the flows: its problems printed with their lines, or what it holds."""
    try:
        table = load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        print(f"{path}: no such file")
        return False
    except FlowLoadError as exc:
        _print(path, "error: ", exc.problems)
        return False
    print(f"{path}: {summary(table)}")
    return True


def check(paths: list[Path]) -> int:
    """Print load errors and inspection issues; exit status 1 on any error."""
    failed = False
    if not paths and (folder() / ROUTING_FILE).exists():
        failed |= not check_routing(folder() / ROUTING_FILE)
    if not paths and (folder() / PRESERVATION_FILE).exists():
        failed |= not check_preservation(folder() / PRESERVATION_FILE)
    for path in paths or default_flow_paths():
        if path.name == ROUTING_FILE:
            failed |= not check_routing(path)
            continue
        if path.name == PRESERVATION_FILE:
            failed |= not check_preservation(path)
            continue
        try:
            flow = load_flow(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            print(f"{path}: no such file")
            failed = True
            continue
        except UnicodeDecodeError:
            print(f"{path}: not UTF-8 text")
            failed = True
            continue
        except FlowLoadError as exc:
            failed = True
            _print(path, "error: ", exc.problems)
            continue
        from bot.engine.inspector import inspect

        issues = inspect(flow)
        _print(path, "", issues)
        errors = [i for i in issues if i.severity == "error"]
        failed |= bool(errors)
        print(f"{path}: {len(flow.steps)} steps, {len(errors)} errors, {len(issues) - len(errors)} warnings")
    return 1 if failed else 0


def test(paths: list[Path], update: bool) -> int:
    from bot.cases.flowtest import run_suite

    failed = False
    for path in paths or default_flow_paths():
        try:
            suite = run_suite(path, update=update)
        except FlowLoadError as exc:  # the flow itself does not load: its located errors, no scripts run
            _print(path, "error: ", exc.problems)
            failed = True
            continue
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{path}: cannot read: {exc}")
            failed = True
            continue
        if not suite.results:
            print(f"{path}: no conversation scripts in {path.parent / 'tests' / path.stem}")
            failed = True
        for result in suite.results:
            status = "updated" if update else ("FAIL" if result.failures else "ok")
            print(f"{path}: {result.name}: {status}")
            for failure in result.failures:
                print("    " + failure.replace("\n", "\n    "))
            failed |= bool(result.failures)
        for line in suite.coverage_lines():
            print(f"{path}: {line}")
    return 1 if failed else 0


def reference() -> int:
    """Print every step kind with its YAML example (the admin's reference, generated from the code)."""
    for kind, cls in STEP_KINDS.items():
        doc = pyinspect.getdoc(cls) or ""
        print(f"## {kind}\n")
        if doc and not doc.startswith(cls.__name__ + "("):
            print(doc + "\n")
        print(cls.EXAMPLE)
    print("## danger (top level, optional)\n")
    print((pyinspect.getdoc(Danger) or "") + "\n")
    print(Danger.EXAMPLE)
    print("## words (top level, optional)\n")
    print((pyinspect.getdoc(Words) or "") + "\n")
    print(Words.EXAMPLE)
    print("## places (top level, optional)\n")
    print(PLACES_EXAMPLE)
    return 0


def export(path: Path, lang: str, output: Path | None) -> int:
    try:
        flow = load_flow(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: cannot read: {exc}")
        return 1
    except FlowLoadError as exc:
        print(f"{path}: does not load, fix it first: {exc.problems[0]}")
        return 1
    from bot.cases.flow_catalog import export_po  # ruamel.yaml: not loaded by `main.py run`

    po = export_po(flow, lang, path.name)
    if output is None:
        sys.stdout.write(po.decode("utf-8"))
        return 0
    try:
        output.write_bytes(po)
    except OSError as exc:
        print(f"{output}: cannot write: {exc}")
        return 1
    print(f"{output}: {po.count(b'msgctxt')} texts of {flow.id!r} for {lang}")
    return 0


def po_problem(po_bytes: bytes, lang: str) -> str | None:
    """Why a PO file must not be imported into ``lang``, or None.

    Checked before anything is applied: babel's reader is lenient (it prints warnings and returns an
    empty catalogue for any text), and a PO file made for another language would overwrite that
    language's texts, the English ones too with ``--lang en``.
    """
    from babel.messages.pofile import PoFileError, read_po

    try:
        catalog = read_po(io.BytesIO(po_bytes), abort_invalid=True)
    except PoFileError as exc:
        reason = str(exc).rsplit(" on ", 1)[0]  # babel appends " on <line counted from 0>"
        return f"not a PO file: {reason} (line {exc.lineno + 1})"
    except ValueError as exc:  # including UnicodeDecodeError
        return f"not a PO file: {exc}"
    if not any(message.id for message in catalog):
        return "not a PO file: it has no entries"
    declared = (catalog.locale_identifier or "").replace("-", "_").split("_")[0]
    if declared and declared != lang:
        return f"holds {declared!r} translations, not {lang!r}; pass --lang {declared}"
    return None


def import_(po: Path, path: Path, lang: str, output: Path | None) -> int:
    try:
        source, po_bytes = path.read_text(encoding="utf-8"), po.read_bytes()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read: {exc}")
        return 1
    try:
        load_flow(source)
    except FlowLoadError as exc:
        # Checked first, or a flow that was already broken is blamed on the translations.
        print(f"{path}: does not load, fix it first: {exc.problems[0]}")
        return 1
    problem = po_problem(po_bytes, lang)
    if problem is not None:
        print(f"{po}: {problem}")
        return 1
    from bot.cases.flow_catalog import import_po  # ruamel.yaml: not loaded by `main.py run`

    try:
        result = import_po(source, po_bytes, lang)
    except FlowLoadError as exc:
        print(f"{path}: not written: with these translations the flow does not load: {exc.problems[0]}")
        return 1
    except (ValueError, OSError) as exc:
        print(f"{po}: not a usable PO file: {exc}")
        return 1
    for line in result.skipped:
        print(f"{po}: skipped {line}")
    target = output or path
    try:
        target.write_text(result.content, encoding="utf-8")
    except OSError as exc:
        print(f"{target}: cannot write: {exc}")
        return 1
    print(f"{target}: applied {len(result.applied)}, unchanged {result.unchanged}, skipped {len(result.skipped)}")
    return 0


def graph(path: Path) -> int:
    try:
        flow = load_flow(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: cannot read: {exc}")
        return 1
    except FlowLoadError as exc:
        _print(path, "error: ", exc.problems)
        return 1
    from bot.cli.mermaid import mermaid

    print(mermaid(flow), end="")
    return 0


async def _publish(path: Path, content: str, db: Path, url: str, author: str, force: bool, new: bool) -> int:
    from bot.cases.publishing import assess, first_failure

    store, name = database.open_store(db, url)
    # Named first, so a publish into the wrong database (or a new one) is seen before anything else.
    print(f"publishing to {name}" + (" (a new database)" if new else ""))
    await store.open()
    try:
        flow_id = FLOW_ID_RE.search(content)
        live = await store.live_revision(flow_id.group(1)) if flow_id else None
        verdict = await assess(content, _live_flow(path, live.content) if live is not None else None)
        _print(path, "error: ", verdict.problems)
        _print(path, "", verdict.issues)
        if not verdict.publishable or verdict.flow is None:
            print(f"{path}: not published: fix the errors above")
            return 1
        print_changes(path, verdict, live.id if live is not None else None)
        for script in verdict.failed_scripts:
            print(f"{path}: script {script.name} fails:\n    " + first_failure(script).replace("\n", "\n    "))
        if verdict.failed_scripts and not force:
            failed, total = len(verdict.failed_scripts), len(verdict.scripts)
            print(f"{path}: not published: {failed} of {total} conversation scripts fail; --force publishes anyway")
            return 1
        revision = await store.publish(verdict.flow.id, content, author)
    finally:
        await store.close()
    if live is not None and live.id == revision.id:
        print(f"{path}: unchanged; revision {revision.id} is live")
    else:
        print(f"{path}: published as revision {revision.id} of {revision.flow_id!r}; new conversations use it")
    return 0


def _live_flow(path: Path, content: str) -> Flow | None:
    try:
        return load_flow(content)
    except FlowLoadError as exc:
        # Published before a check that now refuses it (issue 20); the new file replaces it.
        print(f"{path}: the live revision no longer loads ({exc.problems[0]}); changes are not compared")
        return None


def _print(path: Path, prefix: str, items: Sequence[object]) -> None:
    for line in listed(items, MAX_PRINTED):
        print(f"{path}: {prefix}{line}")


def print_changes(path: Path, verdict: Assessment, live_id: int | None) -> None:
    changes = verdict.changes
    if changes is None or live_id is None:
        print(f"{path}: no revision is live yet; this is the first")
        return
    print(f"{path}: changes against live revision {live_id}:" + (" none" if changes.empty else ""))
    for what, steps in (("added", changes.added), ("removed", changes.removed), ("branches", changes.retargeted)):
        if steps:
            print(f"    {what}: {', '.join(steps)}")
    for language, steps in changes.texts.items():
        print(f"    texts ({language}): {', '.join(steps)}")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], db_default: str) -> None:
    flows = sub.add_parser("flows", help="check, test, publish and document flow files")
    fsub = flows.add_subparsers(dest="flows_command", required=True)
    p = fsub.add_parser(
        "check", help="print load errors and inspection issues of flows and the routing table; exit 1 on errors"
    )
    p.add_argument("paths", nargs="*", type=Path, help="flow files (default: flows/*.yaml)")
    p = fsub.add_parser("test", help="replay the flow's golden conversation scripts and print coverage")
    p.add_argument("paths", nargs="*", type=Path, help="flow files (default: flows/*.yaml)")
    p.add_argument("--update", action="store_true", help="rewrite expected replies from this run")
    fsub.add_parser("reference", help="print every step kind with a YAML example")
    p = fsub.add_parser(
        "graph",
        help="print the flow as a Mermaid diagram (steps, branches, skippable steps)",
        description="Print the flow as a Mermaid flowchart; paste it into any Mermaid viewer.",
    )
    p.add_argument("path", nargs="?", type=Path, default=folder() / "report.yaml", help="flow file")
    p = fsub.add_parser("export-po", help="write the flow's texts as a PO file for translators")
    p.add_argument("path", nargs="?", type=Path, default=folder() / "report.yaml", help="flow file")
    p.add_argument("--lang", default="ur", choices=LANGUAGES, help="language to translate into (default ur)")
    p.add_argument("-o", "--output", type=Path, help="PO file to write (default: standard output)")
    p = fsub.add_parser(
        "import-po", help="apply a translated PO file to the flow file; report texts whose English changed"
    )
    p.add_argument("po", type=Path, help="the translated PO file")
    p.add_argument("path", nargs="?", type=Path, default=folder() / "report.yaml", help="flow file")
    p.add_argument("--lang", default="ur", choices=LANGUAGES, help="language of the translations (default ur)")
    p.add_argument("-o", "--output", type=Path, help="where to write the flow (default: over the flow file)")
    p = fsub.add_parser("publish", help="check a flow file and make it the live revision")
    p.add_argument("path", type=Path)
    database.add_arguments(p, db_default)
    p.add_argument("--author", default="cli", help="recorded with the revision")
    p.add_argument("--force", action="store_true", help="publish even if conversation scripts fail")


def main(args: argparse.Namespace) -> int:
    if args.flows_command == "check":
        return check(args.paths)
    if args.flows_command == "test":
        return test(args.paths, args.update)
    if args.flows_command == "reference":
        return reference()
    if args.flows_command == "graph":
        return graph(args.path)
    if args.flows_command == "export-po":
        return export(args.path, args.lang, args.output)
    if args.flows_command == "import-po":
        return import_(args.po, args.path, args.lang, args.output)
    try:
        content = args.path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError) as exc:
        print(f"{args.path}: cannot read: {exc}")
        return 1
    url = database.database_url(args.url)
    new = not url and not args.db.exists()
    failures: tuple[type[Exception], ...] = (ConfigError, OSError, sqlite3.DatabaseError, *database.postgres_errors())
    try:
        return asyncio.run(_publish(args.path, content, args.db, url, args.author, args.force, new))
    except failures as exc:
        print(f"{database.shown(url) if url else args.db}: {exc}")
        return 1
