"""Flow revisions on the desk: the list, an upload's verdict and diff, publish, discard, roll back.

The same steps as the Telegram admin's (``telegram/admin/publishing.py``): an upload is stored as a
candidate and judged by ``assess`` against the live flow; only a candidate still pending that loads
without errors is published, and one whose golden scripts fail only with the explicit tick; every
change leaves the same audit entries. The verdict and the diff are plain values: templates escape
every word of them, as they come from a file an admin typed.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from bot.cases.ids import chat_key
from bot.cases.publishing import Assessment, Changes, first_failure
from bot.clock import now_iso
from bot.engine.errors import FlowLoadError
from bot.engine.model import Flow
from bot.store.records import AuditEntry, Revision
from bot.telegram import card
from bot.telegram.admin import texts as admin_texts
from bot.telegram.admin.publishing import MAX_FLOW_BYTES
from bot.telegram.admin.verdicts import assess_off_loop

from . import admin_texts as A
from . import texts
from .admin_pages import not_found, notice
from .services import DeskServices, Visitor, page, redirect

log = logging.getLogger(__name__)

LISTED = 20  # problems of one kind listed; the rest are counted
LISTED_SCRIPTS = 5
MAX_TEXT = 300  # characters of one problem, whatever it quotes
DIFF_LINES = 2000  # lines of a diff shown; the rest are counted

NOTICES = {
    "empty": A.FLOW_EMPTY,
    "too_big": A.FLOW_TOO_BIG,
    "published": admin_texts.PUBLISHED,
    "discarded": admin_texts.DISCARDED,
    "settled": admin_texts.ALREADY_SETTLED,
    "unknown": texts.NOT_FOUND,
    "rolled_back": admin_texts.ROLLED_BACK,
    "already_live": admin_texts.ALREADY_LIVE,
    "not_publishable": A.NOT_PUBLISHABLE,
    "scripts": admin_texts.SCRIPTS_BLOCK,
}
BAD = frozenset({"empty", "too_big", "settled", "unknown", "already_live", "not_publishable", "scripts"})


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a file cannot load, or one inspection issue: where, what, and the line it names."""

    where: str
    message: str
    line: int | None = None
    quote: str = ""  # that line of the file, as typed


@dataclass
class VerdictView:
    loaded: bool
    wrong_flow: tuple[str, str] | None = None  # (this bot's flow, the file's)
    same_as: int | None = None  # the live revision it is identical to
    problems: list[Problem] = field(default_factory=list)  # load problems, then inspection errors
    more_problems: int = 0
    warnings: list[Problem] = field(default_factory=list)
    more_warnings: int = 0
    steps: int = 0
    errors: int = 0
    changes: Changes | None = None
    scripts: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (script, where it broke)
    publishable: bool = False

    @property
    def force(self) -> bool:
        """Publishable only with the tick: the scripts fail."""
        return self.publishable and bool(self.failed)


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # add | del | ctx (a hunk's header is "ctx hunk")
    number: int | None  # the line's number in the file it is from (new, or old for a deleted line)
    text: str


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def verdict_view(verdict: Assessment, content: str, flow_id: str, live: Revision | None) -> VerdictView:
    lines = content.splitlines()

    def problem(where: str, message: str, line: int | None) -> Problem:
        quote = lines[line - 1].strip() if line and 0 < line <= len(lines) else ""
        return Problem(_cut(where), _cut(message), line or None, _cut(quote))

    if verdict.flow is None:
        found = [problem(p.path, p.message, p.line) for p in verdict.problems]
        return VerdictView(False, problems=found[:LISTED], more_problems=max(len(found) - LISTED, 0))
    errors = [problem(_place(i.step, i.language), i.description, i.line) for i in verdict.errors]
    warnings = [
        problem(_place(i.step, i.language), i.description, i.line) for i in verdict.issues if i.severity != "error"
    ]
    wrong = (flow_id, verdict.flow.id) if verdict.flow.id != flow_id else None
    same = live.id if live is not None and live.content == content else None
    return VerdictView(
        True,
        wrong_flow=wrong,
        same_as=same,
        problems=errors[:LISTED],
        more_problems=max(len(errors) - LISTED, 0),
        warnings=warnings[:LISTED],
        more_warnings=max(len(warnings) - LISTED, 0),
        steps=len(verdict.flow.steps),
        errors=len(errors),
        changes=verdict.changes if live is not None else None,
        scripts=len(verdict.scripts),
        failed=[(s.name, _cut(first_failure(s))) for s in verdict.failed_scripts[:LISTED_SCRIPTS]],
        publishable=verdict.publishable and wrong is None and same is None,
    )


def _place(step: str | None, language: str | None) -> str:
    return ", ".join(x for x in (step or "", language or "") if x)


def diff_lines(old: str, new: str, limit: int = DIFF_LINES) -> tuple[list[DiffLine], int]:
    """The line diff of ``old`` to ``new`` (three lines of context), and how many lines were left off."""
    shown: list[DiffLine] = []
    left_off = 0
    old_no = new_no = 0
    # The first two lines are the files' names ("--- ", "+++ "): a deleted line "-- x" reads "--- x".
    for raw in list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=3))[2:]:
        if len(shown) >= limit:
            left_off += 1
            continue
        mark = raw[:1]
        if mark == "@":
            old_no, new_no = _hunk_starts(raw)
            shown.append(DiffLine("ctx hunk", None, raw))
        elif mark == "+":
            shown.append(DiffLine("add", new_no, raw))
            new_no += 1
        elif mark == "-":
            shown.append(DiffLine("del", old_no, raw))
            old_no += 1
        else:
            shown.append(DiffLine("ctx", new_no, raw))
            old_no, new_no = old_no + 1, new_no + 1
    return shown, left_off


def _hunk_starts(header: str) -> tuple[int, int]:
    """(old start, new start) of "@@ -a,b +c,d @@"."""
    old, new = header.split(" ")[1:3]
    return int(old[1:].split(",")[0]), int(new[1:].split(",")[0])


async def _live(services: DeskServices) -> tuple[Revision | None, Flow | None]:
    live = await services.books.revisions.live_revision(services.flows.flow_id)
    if live is None:
        return None, None
    try:
        return live, await services.flows.pinned(live.id)
    except FlowLoadError:
        log.warning("the live flow revision no longer loads", extra={"revision": live.id})
        return live, None


async def _judged(services: DeskServices, content: str) -> tuple[Revision | None, VerdictView]:
    live, live_flow = await _live(services)
    verdict = await assess_off_loop(content, live_flow)
    return live, verdict_view(verdict, content, services.flows.flow_id, live)


async def _diff(live: Revision | None, content: str) -> tuple[list[DiffLine], int] | None:
    # difflib is quadratic at worst: a large file is compared off the event loop.
    return None if live is None else await asyncio.to_thread(diff_lines, live.content, content)


# ---- pages ---------------------------------------------------------------------------------------


async def flows_page(services: DeskServices, request: Request, visitor: Visitor) -> Response:
    flow_id = services.flows.flow_id
    revisions = await services.books.revisions.revisions(flow_id)
    live = await services.books.revisions.live_revision(flow_id)
    rows = [
        (r.id, r.author, card.local_time(r.created_at), r.hash[:8], live is not None and r.id == live.id)
        for r in revisions
    ]
    shown = notice(request, NOTICES, BAD, fixed={"limit": MAX_FLOW_BYTES // 1024})
    return _page(request, visitor, "admin_flows.html", flow_id=flow_id, live=live, rows=rows, notice=shown)


async def candidate_page(services: DeskServices, request: Request, visitor: Visitor) -> Response:
    candidate = await services.books.admins.candidate(int(request.path_params["candidate_id"]))
    if candidate is None:
        return not_found(request, visitor)
    live, view = await _judged(services, candidate.content)
    return _page(
        request,
        visitor,
        "admin_candidate.html",
        candidate=candidate,
        uploaded=card.local_time(candidate.created_at),
        pending=candidate.state == "pending",
        verdict=view,
        live=live,
        diff=await _diff(live, candidate.content),
        notice=notice(request, NOTICES, BAD),
    )


async def revision_page(services: DeskServices, request: Request, visitor: Visitor) -> Response:
    revision = await services.books.revisions.revision(int(request.path_params["revision_id"]))
    if revision is None or revision.flow_id != services.flows.flow_id:
        return not_found(request, visitor)
    live, view = await _judged(services, revision.content)
    return _page(
        request,
        visitor,
        "admin_revision.html",
        revision=revision,
        published=card.local_time(revision.created_at),
        is_live=live is not None and live.id == revision.id,
        verdict=view,
        live=live,
        diff=await _diff(live, revision.content),
        notice=notice(request, NOTICES, BAD),
    )


def _page(request: Request, visitor: Visitor, name: str, **values: Any) -> Response:
    lang = visitor.session.lang
    return page(request, name, lang, visitor=visitor, A=A, AT=admin_texts, names=steps_named, section="flows", **values)


# ---- forms ---------------------------------------------------------------------------------------


async def upload(services: DeskServices, request: Request, visitor: Visitor, form: FormData) -> Response:
    given = form.get("content")
    # A browser sends a text area's lines ended by CR LF; the file an admin pasted had LF.
    content = given.replace("\r\n", "\n") if isinstance(given, str) else ""
    if not content.strip():
        return redirect("/admin/flows?done=empty")
    if len(content.encode("utf-8")) > MAX_FLOW_BYTES:
        return redirect("/admin/flows?done=too_big")
    actor = visitor.actor
    candidate_id = await services.books.admins.upload(services.flows.flow_id, content, actor.user_id, actor.name)
    log.info("desk: user %d uploaded flow candidate %d", actor.user_id, candidate_id)
    return redirect(f"/admin/candidates/{candidate_id}")


async def publish(services: DeskServices, request: Request, visitor: Visitor, form: FormData) -> Response:
    candidate_id = int(request.path_params["candidate_id"])
    here = f"/admin/candidates/{candidate_id}"
    candidate = await services.books.admins.candidate(candidate_id)
    if candidate is None or candidate.state != "pending":
        return redirect(f"{here}?done=settled" if candidate else "/admin/flows?done=settled")
    _, view = await _judged(services, candidate.content)  # again: the scripts may have changed since
    if not view.publishable:
        return redirect(f"{here}?done=not_publishable")
    if view.force and form.get("force") != "yes":
        return redirect(f"{here}?done=scripts")
    actor = visitor.actor
    detail = f"candidate {candidate_id}"
    if not await services.books.admins.settle(candidate_id, "published", actor.user_id, actor.name, detail):
        return redirect(f"{here}?done=settled")
    author = f"{chat_key(actor.user_id)} {actor.name}"
    revision = await services.books.revisions.publish(services.flows.flow_id, candidate.content, author)
    log.info("flow published from the desk", extra={"revision": revision.id})
    return redirect(f"/admin/flows?done=published&revision={revision.id}")


async def discard(services: DeskServices, request: Request, visitor: Visitor, form: FormData) -> Response:
    candidate_id = int(request.path_params["candidate_id"])
    candidate = await services.books.admins.candidate(candidate_id)
    if candidate is None:
        return redirect("/admin/flows?done=settled")
    actor = visitor.actor
    detail = f"candidate {candidate_id}"
    if candidate.state != "pending" or not await services.books.admins.settle(
        candidate_id, "discarded", actor.user_id, actor.name, detail
    ):
        return redirect(f"/admin/candidates/{candidate_id}?done=settled")
    return redirect("/admin/flows?done=discarded")


async def rollback(services: DeskServices, request: Request, visitor: Visitor, form: FormData) -> Response:
    revision_id = int(request.path_params["revision_id"])
    revisions = services.books.revisions
    revision = await revisions.revision(revision_id)
    live = await revisions.live_revision(services.flows.flow_id)
    if revision is None or revision.flow_id != services.flows.flow_id:
        return redirect("/admin/flows?done=unknown")
    if live is not None and live.id == revision.id:
        return redirect(f"/admin/flows/{revision.id}?done=already_live&revision={revision.id}")
    await revisions.publish(revision.flow_id, revision.content, revision.author)
    actor = visitor.actor
    await services.books.audit.record(
        AuditEntry(now_iso(), actor.user_id, actor.name, "rollback_flow", None, None, True, f"revision {revision.id}")
    )
    log.info("flow rolled back from the desk", extra={"revision": revision.id})
    return redirect(f"/admin/flows?done=rolled_back&revision={revision.id}")


def steps_named(steps: Sequence[str], limit: int = 30) -> str:
    """Step ids in one line of changes, as the Telegram verdict names them."""
    shown = ", ".join(steps[:limit])
    return shown if len(steps) <= limit else f"{shown}, … (+{len(steps) - limit})"
