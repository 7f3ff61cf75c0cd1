"""Counting SQL statements per request, for the benchmark and the query-count tests.

``count_queries(engine)`` is a context manager that counts every statement the
engine sends while it is open. With ``SQL_QUERY_COUNT`` on (environment or
config; off in production) every response also carries ``X-SQL-Queries``: the
number of statements that request sent, which ``tests/bench/bench.py`` reads.
"""

from contextlib import contextmanager

from flask import g, has_request_context
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from sqlalchemy import event
from sqlalchemy.orm import joinedload, selectinload
from app.extensions import db

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
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count_in_request)

    @app.after_request
    def add_query_count(response):
        response.headers[QUERY_COUNT_HEADER] = str(g.get("_sql_queries", 0))
        return response


class PermissionCacheMixin:
    """Answer a request's permission checks from one query instead of one query each.

    FAB asks the database once per ``has_access`` (every menu entry, button and
    action of a page: 16 on the register list). The first check of a request
    loads every (permission, view) pair of the user's roles; the rest of that
    request reads the set. The cache lives in ``g``, so a change of permissions
    counts from the next request on.
    """

    def exist_permission_on_roles(self, view_name, permission_name, role_ids):
        if not has_request_context():
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        key = tuple(sorted(role_ids))
        cache = g.setdefault("_role_permissions", {})
        if key not in cache:
            cache[key] = self._permission_pairs(key)
        return (permission_name, view_name) in cache[key]

    def _permission_pairs(self, role_ids):
        rows = (
            self.session.query(self.permission_model.name, self.viewmenu_model.name)
            .select_from(self.permissionview_model)
            .join(self.permission_model)
            .join(self.viewmenu_model)
            .join(assoc_permissionview_role,
                  assoc_permissionview_role.c.permission_view_id == self.permissionview_model.id)
            .filter(assoc_permissionview_role.c.role_id.in_(role_ids))
        )
        return frozenset((permission, view) for permission, view in rows)



class CachingSecurityManager(PermissionCacheMixin, SecurityManager):
    """FAB's security manager with the per-request permission cache.

    The base of ``app.web.views.users.AppSecurityManager``, which config.py names.
    """


class EagerInterface(SQLAInterface):
    """FAB's SQLAlchemy interface that loads the named relations with the page's rows.

    A list shows the category, dusun and officer of every row (joined into the same
    query), or a meeting's complaints (one more query for the whole page): without this
    each would be one more query per row not yet in the session (N+1).
    ``select_columns`` queries (the REST API's dotted columns) already join, and are left
    alone.
    """

    def __init__(self, obj, session=None, eager=()):
        super().__init__(obj, session)
        self.eager_relations = tuple(eager)

    def apply_all(self, query, filters=None, order_column="", order_direction="", page=None,
                  page_size=None, select_columns=None, outer_default_load=False):
        query = super().apply_all(query, filters, order_column, order_direction, page,
                                  page_size, select_columns, outer_default_load)
        if select_columns or not self.eager_relations:
            return query
        options = []
        for name in self.eager_relations:
            relation = getattr(self.obj, name)
            options.append(selectinload(relation) if relation.property.uselist
                           else joinedload(relation))
        return query.options(*options)
