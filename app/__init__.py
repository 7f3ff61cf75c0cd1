"""The application factory: the only place an app is made (besides the tests)."""

from flask import Flask
from flask_appbuilder import AppBuilder

from app.extensions import csrf, db, migrate_commands


def create_app(test_config=None):
    """Build the Flask app: config, extensions, FAB, screens, CLI commands.

    Nothing here touches the database: the schema comes from the migrations and
    the permissions from ``flask sync-roles`` (both run by ``run.py``).
    """
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object("config")
    if test_config:
        app.config.update(test_config)

    db.init_app(app)
    app.cli.add_command(migrate_commands)
    csrf.init_app(app)

    # Importing any module of the package runs this file first: the layers above come in
    # only when an app is made, so that importing app.core does not load the web layer.
    from app import cli
    from app.auth import passwords, sessions, villages
    from app.services import audit, notifications
    from app.web import (
        compression,
        errors,
        hardening,
        login_limit,
        openapi,
        perf,
        static_cache,
        template_helpers,
        village_urls,
    )
    from app.web.menu import register_views

    with app.app_context():
        appbuilder = AppBuilder(update_perms=False)
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)

    template_helpers.init_app(app)
    village_urls.init_app(app)
    hardening.init_app(app)
    static_cache.init_app(app)
    compression.init_app(app)
    passwords.init_app(app)
    login_limit.init_app(app)
    sessions.init_app(app)
    villages.init_app(app)
    audit.init_app(app)
    notifications.init_app(app)
    errors.init_app(app)
    perf.init_app(app)
    openapi.init_app(app)
    cli.init_app(app)
    return app
