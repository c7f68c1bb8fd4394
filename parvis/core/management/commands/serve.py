import os
import shutil
import sys

from django.core.management import BaseCommand, call_command


def site_url(host: str, port: int) -> str:
    """The address a browser on this machine uses for ``host:port`` (a wildcard bind means localhost)."""
    if host in {"", "0.0.0.0", "::", "[::]"}:  # noqa: S104 - a wildcard, not a bind
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = "Sert Parvis avec gunicorn (fichiers statiques par whitenoise)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default=os.environ.get("PARVIS_BIND_HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("PARVIS_THREADS", "12")))

    def handle(self, *args, port, host, workers, threads, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        if not os.environ.get("PARVIS_SITE_URL"):
            # Links in e-mails and Open311 discovery name the address served here, not the default port.
            os.environ["PARVIS_SITE_URL"] = site_url(host, port)
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
        argv = [
            gunicorn or sys.executable,
            *([] if gunicorn else ["-m", "gunicorn"]),
            "parvis.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
            "--forwarded-allow-ips",
            os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        site = os.environ["PARVIS_SITE_URL"]
        self.stdout.write(self.style.SUCCESS(f"Parvis : {site}/  (Ctrl+C pour arrêter)"))
        self.stdout.flush()
        os.execv(argv[0], argv)  # noqa: S606 - gunicorn replaces this process (signals reach it directly)
