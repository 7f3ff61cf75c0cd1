"""What each workflow step does to a complaint, registered beside the code that does it.

``services.apply_step`` checks a step against ``app.core.workflow`` and then runs its
effect, ``effect(complaint, fields, now)``: it changes the complaint (or refuses with a
``services.ServiceError``) and returns ``(note, is_public, data)`` for the step's timeline
event. Effects live with their feature (``app.services.complaints``: the SOP's steps;
``app.services.deadlines``: completion and extension; ``app.services.feedback``: the resident's answers and
reopening) and register with ``@step_effect(name)``; a test checks that every step of the
workflow has exactly one.
"""

from app.core import workflow

_EFFECTS = {}


def step_effect(name):
    """Register the decorated function as the effect of the workflow step ``name``."""
    workflow.get_step(name)  # an effect belongs to a step of the workflow

    def register(function):
        known = _EFFECTS.get(name)
        if known is not None and known.__qualname__ != function.__qualname__:
            raise ValueError(f"step {name!r} has two effects: {known.__qualname__} and "
                             f"{function.__qualname__}")
        _EFFECTS[name] = function
        return function

    return register


# Who listens to what the register does (``app.services.notifications``): called inside the
# transaction of the registration or step, before its commit. A listener is registered by
# the module that owns it, like an effect, so this module needs none of them.
_LISTENERS = {"register": [], "step": [], "carried": []}


def on_register(function):
    """Call ``function(complaint, user, at)`` when a complaint is registered."""
    _LISTENERS["register"].append(function)
    return function


def on_step(function):
    """Call ``function(complaint, step, source, target, fields, user, at)`` after a step."""
    _LISTENERS["step"].append(function)
    return function


def on_carried(function):
    """Call ``function(duplicate, step, source, target, user, at)`` when a linked duplicate
    followed its main complaint's step (``complaints.carry_duplicates``)."""
    _LISTENERS["carried"].append(function)
    return function


def listeners(kind):
    """The listeners of ``kind`` ("register", "step" or "carried"), in the order they
    registered."""
    return list(_LISTENERS[kind])


def effect_of(name):
    """The effect of step ``name`` (``KeyError`` when none is registered)."""
    return _EFFECTS[name]


def registered():
    """Every registered effect by step name (a copy)."""
    return dict(_EFFECTS)
