"""The pabulib export of an envelope: anonymised ballots anyone can recompute the outcome from."""

from django.utils.text import slugify

from . import services, tally
from .rules import pabulib


def pabulib_text(envelope) -> str:
    """The .pb text: ballots numbered 1..n in storage order (no account ids), the costs, the reserved
    amount, priority-area flags and overrides (see ``tally.to_election``)."""
    data, names, _online, _paper = services.envelope_data(envelope)
    return pabulib.dumps(tally.to_election(data, names))


def pabulib_filename(envelope) -> str:
    return f"{slugify(envelope.campaign.slug)}_{slugify(envelope.slug)}.pb"
