import argparse
import asyncio
import os

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
        parser.add_argument(
            "--ticker-only",
            action="store_true",
            help="serve nothing: run only the operations-room clock (one per deployment, beside web "
            "processes started with --no-ticker)",
        )
        parser.add_argument(
            "--http-concurrency",
            type=int,
            default=None,
            help="HTTP requests served at once per process; the rest queue (SIAGA_HTTP_CONCURRENCY, 8)",
        )
        parser.add_argument(
            "--http-queue",
            type=int,
            default=None,
            help="requests that may wait; beyond, an immediate 503 + Retry-After (SIAGA_HTTP_QUEUE, 500)",
        )
        parser.add_argument(
            "--live-demo",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="run the live demo generator (default: SIAGA_LIVE_DEMO, else off)",
        )

    def handle(
        self,
        *args,
        host,
        port,
        workers,
        no_ticker=False,
        ticker_only=False,
        live_demo=None,
        http_concurrency=None,
        http_queue=None,
        **opts,
    ):
        import uvicorn
        from django.conf import settings

        # read by siaga.core.admission in this process and in every worker
        if http_concurrency is not None:
            os.environ["SIAGA_HTTP_CONCURRENCY"] = str(http_concurrency)
        if http_queue is not None:
            os.environ["SIAGA_HTTP_QUEUE"] = str(http_queue)
        app = "siaga.core.admission:application"  # siaga.asgi behind the admission queue

        call_command("migrate", interactive=False, verbosity=0)  # a no-op when the schema is current
        if ticker_only:
            return self._ticker_only(settings.SIAGA_OPS_TICK_SECONDS)
        if workers > 1 and not settings.REDIS_URL:
            self.stderr.write("More than one worker needs SIAGA_REDIS_URL (realtime is in-memory otherwise).")
            workers = 1
        live = bool(settings.SIAGA_LIVE_DEMO) if live_demo is None else live_demo
        self.stdout.write(f"Siaga at http://{host}:{port}/  (data: {settings.DATA_DIR})")
        # backlog: a burst of clients connecting at once waits in the kernel, not refused
        options = {
            "host": host,
            "port": port,
            "log_level": "warning",
            "lifespan": "off",
            "backlog": 4096,
            "timeout_keep_alive": settings.SIAGA_KEEP_ALIVE_SECONDS,
        }

        if workers > 1:  # one clock for the deployment, in this parent process; events go through Redis
            from siaga.cad.ticker import Ticker

            if not no_ticker:
                Ticker(interval_s=settings.SIAGA_OPS_TICK_SECONDS).start()
            if live:
                self.stderr.write(
                    "With several workers, run the live demo as its own process: siaga ops live"
                )
            if settings.MQTT_URL:  # devices: one subscriber here (more as `siaga ingest mqtt --shared`)
                from siaga.ingest import mqtt

                mqtt.start_in_background()
            uvicorn.run(app, workers=workers, **options)
            return

        # one process: the clock and the live demo run as tasks on the server's own event loop, so
        # their events reach the in-memory channel layer that the sockets listen on
        server = uvicorn.Server(uvicorn.Config(app, **options))

        async def serve():
            from siaga.cad import live as live_demo_mod
            from siaga.cad import ticker

            if not no_ticker:
                ticker.start_in_loop(settings.SIAGA_OPS_TICK_SECONDS)
            if live:
                live_demo_mod.start_in_loop()
                self.stdout.write("Live demo on (SIAGA_LIVE_DEMO=0 turns it off).")
            if settings.MQTT_URL:  # devices over MQTT, batches on this loop's threads
                from siaga.ingest import mqtt

                mqtt.start_in_background()
                self.stdout.write("Devices: subscribed to the MQTT broker of SIAGA_MQTT_URL.")
            await server.serve()

        asyncio.run(serve())

    def _ticker_only(self, interval_s: float) -> None:
        """The clock in the foreground until SIGTERM/SIGINT (a systemd unit of its own)."""
        import signal

        from siaga.cad.ticker import Ticker

        ticker = Ticker(interval_s=interval_s)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: ticker.stop())
        self.stdout.write(f"Siaga operations-room clock, every {interval_s:g} s")
        ticker.start()
        while ticker.is_alive():
            ticker.join(timeout=1)
