from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Siaga (HTTP + WebSocket) from whatever the data directory holds."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=1, help="processes (needs SIAGA_REDIS_URL when > 1)"
        )
        parser.add_argument(
            "--no-ticker", action="store_true", help="don't run the operations-room clock in this process"
        )

    def handle(self, *args, host, port, workers, no_ticker=False, **opts):
        import uvicorn
        from django.conf import settings

        call_command("migrate", interactive=False, verbosity=0)  # a no-op when the schema is current
        if workers > 1 and not settings.REDIS_URL:
            self.stderr.write("More than one worker needs SIAGA_REDIS_URL (realtime is in-memory otherwise).")
            workers = 1
        if not no_ticker:  # one clock per deployment: here, in the parent of any worker processes
            from siaga.cad.ticker import Ticker

            Ticker(interval_s=settings.SIAGA_OPS_TICK_SECONDS).start()
        self.stdout.write(f"Siaga at http://{host}:{port}/  (data: {settings.DATA_DIR})")
        uvicorn.run(
            "siaga.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            lifespan="off",
        )
