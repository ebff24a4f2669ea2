"""The station agent: local store, sync client, timeline, player, proof-of-play outbox, local UI, CLI."""

__version__ = "0.1.0"
