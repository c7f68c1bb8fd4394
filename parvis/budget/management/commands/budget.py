"""``parvis budget list``, ``export-pabulib CAMPAIGN ENVELOPE [-o FILE]``, ``publish-reviews CAMPAIGN``,
``compute-results CAMPAIGN [ENVELOPE] [--as EMAIL]``."""

import sys

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from parvis.budget import exports, permissions, services
from parvis.budget.models import Campaign


class Command(BaseCommand):
    help = "Participatory budget: list campaigns and envelopes, export an envelope's ballots as pabulib."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("list", help="Campaigns and envelopes with their slugs")
        export = sub.add_parser("export-pabulib", help="Write an envelope's anonymised ballots as a .pb file")
        export.add_argument("campaign", help="campaign slug")
        export.add_argument("envelope", help="envelope slug")
        export.add_argument("--output", "-o", help="file to write (default: standard output)")
        publish = sub.add_parser(
            "publish-reviews", help="Publish the recorded feasibility reviews (end of phase)"
        )
        publish.add_argument("campaign", help="campaign slug")
        compute = sub.add_parser(
            "compute-results",
            help="Compute a campaign's results (every envelope, or one), as the results page's button does",
        )
        compute.add_argument("campaign", help="campaign slug")
        compute.add_argument("envelope", nargs="?", help="envelope slug (default: every envelope)")
        compute.add_argument(
            "--as", dest="actor", help="e-mail of the administrator recorded as author (default: the first)"
        )

    def handle(self, *args, **options):
        if options["subcommand"] == "list":
            return self._list()
        if options["subcommand"] == "publish-reviews":
            return self._publish(options["campaign"])
        if options["subcommand"] == "compute-results":
            return self._compute(options["campaign"], options.get("envelope"), options.get("actor"))
        return self._export(options["campaign"], options["envelope"], options.get("output"))

    def _list(self):
        for campaign in Campaign.objects.prefetch_related("phases", "envelopes").order_by("-created_at"):
            phase = permissions.current_phase(campaign)
            self.stdout.write(f"{campaign.slug}\t{campaign.title}\t(phase: {phase}, rule: {campaign.rule})")
            for env in campaign.envelopes.all():
                ballots = env.ballots.count()
                self.stdout.write(
                    f"  {env.slug}\t{env.name}\t{env.amount} €, reserved {env.reserved_amount} €, "
                    f"{env.ballot_style}, {ballots} online ballots"
                )

    def _publish(self, campaign_slug):
        """For a scheduled job at the end of the review phase: same effect as the administrator's button."""
        from parvis.core.models import User

        campaign = Campaign.objects.prefetch_related("phases").filter(slug=campaign_slug).first()
        if campaign is None:
            raise CommandError(f"Campagne inconnue : {campaign_slug} (voir « parvis budget list »).")
        admin = User.objects.filter(role="admin", is_active=True).order_by("pk").first()
        if admin is None:
            raise CommandError("Aucun compte administrateur pour signer la publication.")
        try:
            count = services.reviews_publish(actor=admin, campaign=campaign)
        except PermissionDenied as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"{count} avis publiés.")

    def _compute(self, campaign_slug, envelope_slug, actor_email):
        """The results page's button from a terminal or a scheduled job: same service, same permission."""
        from parvis.core.models import User

        campaign = Campaign.objects.prefetch_related("phases").filter(slug=campaign_slug).first()
        if campaign is None:
            raise CommandError(f"Campagne inconnue : {campaign_slug} (voir « parvis budget list »).")
        users = User.objects.filter(is_active=True)
        actor = (
            users.filter(email__iexact=actor_email).first()
            if actor_email
            else users.filter(role="admin").order_by("pk").first()
        )
        if actor is None:
            raise CommandError(f"Aucun compte actif {actor_email or 'administrateur'} pour signer le calcul.")

        def line(result):
            envelope = result.envelope
            self.stdout.write(
                f"{envelope.slug}\t{envelope.name} : {result.online_ballots} bulletins en ligne, "
                f"{result.paper_ballots} papier, {result.funded.count()} projets retenus"
            )
            self.stdout.flush()

        try:
            if envelope_slug:
                envelope = campaign.envelopes.filter(slug=envelope_slug).first()
                if envelope is None:
                    raise CommandError(f"Enveloppe inconnue : {envelope_slug} (voir « parvis budget list »).")
                envelope.campaign = campaign
                line(services.results_compute(actor=actor, envelope=envelope))
            else:
                services.campaign_results_compute(actor=actor, campaign=campaign, progress=line)
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)])))

    def _export(self, campaign_slug, envelope_slug, output):
        campaign = Campaign.objects.filter(slug=campaign_slug).first()
        if campaign is None:
            raise CommandError(f"Campagne inconnue : {campaign_slug} (voir « parvis budget list »).")
        envelope = campaign.envelopes.filter(slug=envelope_slug).first()
        if envelope is None:
            raise CommandError(f"Enveloppe inconnue : {envelope_slug} (voir « parvis budget list »).")
        envelope.campaign = campaign
        text = exports.pabulib_text(envelope)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            self.stderr.write(f"{output}: {text.count(chr(10))} lines")
        else:
            (self.stdout if self.stdout else sys.stdout).write(text, ending="")
