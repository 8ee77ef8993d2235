"""The pure flow engine: flow model, loader, inspector, runner, validators and text normalisation.

Nothing in this package performs I/O or imports asyncio, sqlite3 or telegram (a test checks the
imports): adapters load and store sessions and render the events the engine returns.
"""
