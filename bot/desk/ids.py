"""``{name:id}`` in a desk route: a record's id, at most 18 digits.

Starlette's ``int`` takes any number of digits; a 20-digit id then fails in the database driver
(SQLite and PostgreSQL integers are 64-bit) and the request ends in a 500. An id this cannot be is
no route at all: the desk's 404 page.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class RecordId(Convertor[int]):
    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("id", RecordId())
