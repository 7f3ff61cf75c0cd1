"""The refusals every layer raises and the web layer answers: the message is already
translated and ``code`` is the HTTP status the answer carries."""


class ServiceError(Exception):
    """A refusal the user can act on; the message is already translated.

    ``field``: the input field the refusal is about, when there is one.
    """

    code = 400
    field = None

    def __init__(self, message=None, code=None, field=None):
        super().__init__(*(() if message is None else (message,)))
        if code is not None:
            self.code = code
        if field is not None:
            self.field = field


class StaleComplaint(ServiceError):
    """Someone else changed the complaint since the user loaded it."""

    code = 409


class AccessDenied(ServiceError):
    code = 403


class StepRefused(ServiceError):
    """A workflow step that was refused; ``code`` is 400, 403, 404 or 409."""


def refuse(message, code=400):
    raise StepRefused(message, code)
