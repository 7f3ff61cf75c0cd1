"""Searching by a complainant's name must not reveal an identity the user may not read.

The register's search has a name filter. Without this guard the Kepala Desa or a
liaison officer could filter confidential complaints by a guessed name and learn
from the rows that come back who complained, though the name itself is hidden.
When the request filters on an identity column, complaints whose identity the
user may not see (``access.identity_visible``: the confidential ones, for every
role but the desk) are left out of the result.
"""

import re

from flask import request
from flask_appbuilder.models.filters import BaseFilter

from app import access, workflow
from app.models import Complaint
from app.security import actors_of

IDENTITY_FILTER_ARG = re.compile(
    r"^_flt_\d+_complainant_(name|phone|address|email|display)$")


def filters_on_identity():
    """Whether this request's list filters name an identity column."""
    return any(IDENTITY_FILTER_ARG.match(key) for key in request.args)


class IdentitySearchGuard(BaseFilter):
    """FAB base filter: identity searches only over identities the user may read."""

    name = "identity_search"
    arg_name = "identity_search"

    def apply(self, query, value):
        user = access.current_user()
        if workflow.DESK in actors_of(user) or not filters_on_identity():
            return query
        return query.filter(Complaint.is_confidential.is_(False))
