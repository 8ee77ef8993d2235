"""Persistence behind one small interface (``Store``); SQLite is the default backend."""
