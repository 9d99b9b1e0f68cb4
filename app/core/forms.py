"""Form bases shared by every domain."""

import uuid

from flask_wtf import FlaskForm
from wtforms import HiddenField


class IdempotentForm(FlaskForm):
    """A create form: the hidden key survives a re-render, so a retry is recognised."""

    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex)
