"""Jinja filters and globals for dates in Indonesian form and the vocabularies' labels."""

from flask_babel import get_locale

from app import choices, timeutil


def init_app(app):
    """Register the template filters on ``app``."""
    app.jinja_env.filters["date_id"] = timeutil.date_id
    app.jinja_env.filters["datetime_id"] = timeutil.datetime_id
    vocabularies = {
        "status": choices.STATUSES,
        "kind": choices.KINDS,
        "channel": choices.CHANNELS,
        "urgency": choices.URGENCIES,
        "position": choices.POSITIONS,
        "outcome": choices.OUTCOME_TYPES,
        "step": choices.STEPS,
    }
    app.jinja_env.filters["label"] = lambda value, name: choices.label(vocabularies[name], value)
    app.jinja_env.filters["step_label"] = lambda value: choices.label(choices.STEPS, value)

    @app.context_processor
    def village():
        return {"village": app.config["VILLAGE"], "get_locale": get_locale}
