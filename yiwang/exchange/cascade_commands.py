"""``yiwang exchange node-info | peer add | cascade-catalog | backflow``: the cascade's commands.

A cron line for the nightly backflow to a city (数据回流), at the province::

    30 2 * * *  cd /srv/yiwang && .venv/bin/yiwang exchange backflow --peer 4201 --resource RK-001
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import CommandError, CommandParser

from yiwang.exchange import cascade, cascade_kinds
from yiwang.exchange.commands import register
from yiwang.kernel.errors import DomainError


def _fail(error: DomainError) -> CommandError:
    return CommandError(f"[{error.code}] {error.message} {json.dumps(error.details, default=str)}")


def _configure_info(parser: CommandParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object")


def _run_info(options: dict[str, Any], out: TextIO) -> None:
    info = cascade.node_info()
    if options["json"]:
        out.write(json.dumps(info) + "\n")
        return
    out.write(f"node: {info['node_id']}\nurl: {info['url']}\n{info['public_key']}")


def _configure_peer(parser: CommandParser) -> None:
    parser.add_argument("action", choices=["add"])
    parser.add_argument("node_id", help="the peer's region code (e.g. 4201)")
    parser.add_argument("--name", required=True)
    parser.add_argument("--url", required=True, help="the peer's base URL")
    parser.add_argument("--key-file", type=Path, required=True, help="its public key (PEM)")
    parser.add_argument("--parent", action="store_true", help="the peer is our upper node")


def _run_peer(options: dict[str, Any], out: TextIO) -> None:
    try:
        peer = cascade.register_peer(
            actor="cli",
            node_id=options["node_id"],
            name=options["name"],
            base_url=options["url"],
            public_key_pem=options["key_file"].read_text(),
            is_parent=options["parent"],
        )
    except DomainError as error:
        raise _fail(error) from None
    out.write(f"peer {peer.node_id} ({peer.name}) at {peer.base_url} registered\n")


def _configure_publish(parser: CommandParser) -> None:
    parser.add_argument("--peer", action="append", help="only this peer (repeatable)")


def _run_publish(options: dict[str, Any], out: TextIO) -> None:
    try:
        peers = [cascade.get_peer(p) for p in options["peer"]] if options["peer"] else None
        taken = cascade_kinds.publish_catalog(actor="cli", peers=peers)
    except DomainError as error:
        raise _fail(error) from None
    for node, count in taken.items():
        out.write(f"{node}: {count} resources taken\n")


def _configure_backflow(parser: CommandParser) -> None:
    parser.add_argument("--peer", required=True, help="the city node to send rows back to")
    parser.add_argument("--resource", required=True, help="the granted resource's code")
    parser.add_argument("--batch", type=int, default=cascade_kinds.BACKFLOW_BATCH)


def _run_backflow(options: dict[str, Any], out: TextIO) -> None:
    try:
        sent = cascade_kinds.backflow(
            actor="cli",
            peer=cascade.get_peer(options["peer"]),
            resource_code=options["resource"],
            batch_size=max(1, options["batch"]),
        )
    except DomainError as error:
        raise _fail(error) from None
    out.write(f"backflow: {sent} rows sent to {options['peer']}\n")


register(
    "node-info", help="this node's id, URL and public key", configure=_configure_info, run=_run_info
)
register("peer", help="register a peer node", configure=_configure_peer, run=_run_peer)
register(
    "cascade-catalog",
    help="send this node's published resources to its peers",
    configure=_configure_publish,
    run=_run_publish,
)
register(
    "backflow",
    help="send a city its region's rows of a granted resource (数据回流)",
    configure=_configure_backflow,
    run=_run_backflow,
)
