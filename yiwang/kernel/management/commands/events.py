from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.kernel import events, relay


class Command(BaseCommand):
    help = "Outbox tools: 'deliver' retries undelivered events; 'relay' publishes to NATS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["deliver", "relay"])
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "deliver":
            ok, failing = events.deliver_pending(options["limit"])
            self.stdout.write(f"delivered {ok} events; {failing} still failing")
            if failing:
                raise CommandError(f"{failing} events could not be delivered (see last_error)")
            return
        try:
            count = relay.relay(limit=options["limit"])
        except relay.RelayError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"relayed {count} events to NATS JetStream")
