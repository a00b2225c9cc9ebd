"""The subcommands of ``yiwang hotline <subcommand>``: a small registry, so each part of the
hotline adds its own from its own module (list the module in :data:`MODULES`).

Routing's own: ``corpus`` (rewrite or check the committed corpus), ``train`` (fit the
classifier on the training split and save it in the data directory) and ``accuracy`` (measure
it on the held-out split).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from yiwang.kernel.errors import DomainError
from yiwang.kernel.subcommands import Registry

#: Modules whose import registers subcommands (add yours here).
MODULES = ["yiwang.hotline.commands", "yiwang.hotline.commands_deadlines"]
registry = Registry(MODULES)
#: name → subcommand; filled by register().
SUBCOMMANDS = registry.subcommands
register = registry.register


# --- corpus -----------------------------------------------------------------------------------


def _configure_corpus(parser: CommandParser) -> None:
    parser.add_argument("--output", type=Path, help="where to write (the committed corpus)")
    parser.add_argument("--size", type=int, default=None, help="rows (4000)")
    parser.add_argument("--check", action="store_true", help="only check the file is current")


def _run_corpus(options: dict[str, Any], out: Any) -> None:
    from yiwang.hotline import corpus

    path: Path = options["output"] or corpus.CORPUS_PATH
    size = options["size"] or corpus.DEFAULT_SIZE
    if size < 1:
        raise CommandError("--size must be at least 1")
    rows = list(corpus.generate(size))
    if options["check"]:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != corpus.dumps(rows):
            raise CommandError(f"{path} is not the generator's output: run yiwang hotline corpus")
        out.write(f"{path}: current ({len(rows)} rows)")
        return
    corpus.write(path, rows)
    training, held_out = corpus.split(rows)
    topics = len({row.topic for row in rows})
    departments = len({row.department for row in rows})
    out.write(
        f"wrote {len(rows)} rows to {path}: {topics} topics, {departments} departments, "
        f"{len(training)} training, {len(held_out)} held out"
    )


# --- train ------------------------------------------------------------------------------------


def _configure_train(parser: CommandParser) -> None:
    parser.add_argument("--corpus", type=Path, help="a JSON-lines corpus (the committed one)")


def _rows(options: dict[str, Any]) -> list[Any]:
    from yiwang.hotline import corpus

    try:
        return corpus.load(options["corpus"])
    except (OSError, ValueError) as error:
        raise CommandError(str(error)) from None


def _run_train(options: dict[str, Any], out: Any) -> None:
    from yiwang.hotline import classifier

    rows = _rows(options)
    try:
        result = classifier.train(rows)
    except ValueError as error:
        raise CommandError(str(error)) from None
    out.write(
        f"trained on {result.rows} rows ({result.held_out} held out): {result.topics} topics, "
        f"{result.departments} departments, {result.seconds:.1f} s\n"
        f"saved {result.path} ({result.bytes / 1e6:.1f} MB)"
    )


# --- accuracy ---------------------------------------------------------------------------------


def _configure_accuracy(parser: CommandParser) -> None:
    parser.add_argument("--corpus", type=Path, help="a JSON-lines corpus (the committed one)")
    parser.add_argument(
        "--threshold", type=float, help="auto-dispatch confidence (the setting by default)"
    )
    parser.add_argument("--worst", type=int, default=5, help="confused pairs to list")


def _run_accuracy(options: dict[str, Any], out: Any) -> None:
    from yiwang.hotline import classifier, corpus, taxonomy

    threshold = options["threshold"]
    if threshold is not None and not 0 <= threshold <= 1:
        raise CommandError("--threshold must be between 0 and 1")
    try:
        router = classifier.load_router()
    except DomainError as error:
        raise CommandError(str(error.message)) from None
    _, held_out = corpus.split(_rows(options))
    if not held_out:
        raise CommandError("the corpus has no held-out rows")
    result = classifier.evaluate(router, held_out, threshold=threshold)
    lines = [
        f"held-out rows: {result.rows}",
        f"department top-1: {result.department_top1:.3f}",
        f"topic top-1: {result.topic_top1:.3f}",
        f"topic top-3: {result.topic_top3:.3f}",
        f"auto-dispatch at {result.threshold:.2f}: {result.auto_share:.1%} of orders, "
        f"department right for {result.auto_accuracy:.1%} of them",
        "recall by department:",
    ]
    for code, (recall, count) in result.department_recall.items():
        name = _department_name(taxonomy, code)
        lines.append(f"  {code:<12} {recall:.3f}  ({count:>3})  {name}")
    lines.append("most confused (true → proposed):")
    if not result.confusions:
        lines.append("  none")
    for (true, proposed), count in result.confusions[: options["worst"]]:
        lines.append(f"  {true} → {proposed}: {count}")
    out.write("\n".join(lines))


def _department_name(taxonomy: Any, code: str) -> str:
    try:
        return str(taxonomy.department(code).name)
    except KeyError:
        return ""


register(
    "corpus",
    help="write the demo corpus (yiwang/hotline/fixtures/corpus.jsonl) from its generator",
    configure=_configure_corpus,
    run=_run_corpus,
)
register(
    "train",
    help="train the routing classifier on the corpus's training split; save it in the data dir",
    configure=_configure_train,
    run=_run_train,
)
register(
    "accuracy",
    help="routing accuracy on the corpus's held-out split",
    configure=_configure_accuracy,
    run=_run_accuracy,
)
