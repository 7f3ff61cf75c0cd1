"""Counting SQL statements per request, for the benchmark and the query-count tests.

``count_queries(engine)`` is a context manager that counts every statement the
engine sends while it is open. With ``SQL_QUERY_COUNT`` on (environment or
config; off in production) every response also carries ``X-SQL-Queries``: the
number of statements that request sent, which ``tests/bench/bench.py`` reads.
"""

from contextlib import contextmanager

from flask import g, has_request_context
from sqlalchemy import event

QUERY_COUNT_HEADER = "X-SQL-Queries"


class QueryCounter:
    """How many statements were sent while counting (``count``), and which (``statements``)."""

    def __init__(self):
        self.count = 0
        self.statements = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self.statements.append(statement)


@contextmanager
def count_queries(engine):
    """Count the statements ``engine`` sends inside the ``with`` block."""
    counter = QueryCounter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


def _count_in_request(conn, cursor, statement, parameters, context, executemany):
    if has_request_context():
        g._sql_queries = g.get("_sql_queries", 0) + 1


def init_app(app):
    """When ``SQL_QUERY_COUNT`` is on, answer every request's statement count in a header."""
    if not app.config.get("SQL_QUERY_COUNT"):
        return
    from app.extensions import db

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count_in_request)

    @app.after_request
    def add_query_count(response):
        response.headers[QUERY_COUNT_HEADER] = str(g.get("_sql_queries", 0))
        return response
