"""Every verb that changes data: registering, editing, voiding, the steps and their effects,
deadlines, feedback, meetings, informing, templates.

A step's effect is registered by the module that owns it (``step_effects.step_effect``);
loading them here means that whoever uses a service finds every step's effect known.
"""

from app.services import complaints, deadlines, feedback, referrals  # noqa: F401  (step effects)
# The notifications listen to registrations and steps (``step_effects.on_step``).
from app.services import notifications  # noqa: F401
