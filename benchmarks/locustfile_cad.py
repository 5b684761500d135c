"""Locust users for benchmarks/api_load.py (run it through that script, which prepares the config).

    locust -f benchmarks/locustfile_cad.py OperatorUser|HealthUser --headless ...

The config file named by SIAGA_BENCH_CONFIG holds the session keys (one logged-in session per simulated
user, made with SessionStore), the CSRF token, positions inside the Kota and the wait between tasks.
- OperatorUser: half its tasks create an incident (POST /api/cad/incidents), half list the open ones
  (GET /api/cad/incidents?status=open, the default page).
- HealthUser: the same users, cookies and waits, every task GET /api/core/health (a minimal Django
  endpoint through the same middleware stack): the baseline.
No retries: every failure is counted.
"""

from __future__ import annotations

import itertools
import json
import os
import random

from locust import FastHttpUser, between, task

CFG = json.load(open(os.environ["SIAGA_BENCH_CONFIG"]))  # noqa: SIM115 (read once at import)
_seq = itertools.count()
CATEGORIES = ["keributan", "pencurian", "penganiayaan", "laka", "kdrt", "penipuan", "kemanusiaan"]


class _Base(FastHttpUser):
    abstract = True
    wait_time = between(CFG["wait_min"], CFG["wait_max"])

    def on_start(self):
        k = next(_seq)
        key = CFG["sessions"][k % len(CFG["sessions"])]
        self.rng = random.Random(k)
        self.headers = {
            "Cookie": f"sessionid={key}; csrftoken={CFG['csrf']}",
            "X-CSRFToken": CFG["csrf"],
            "Content-Type": "application/json",
        }


class OperatorUser(_Base):
    @task
    def create(self):
        lon, lat = self.rng.choice(CFG["points"])
        body = {
            "category": self.rng.choice(CATEGORIES),
            "lon": lon,
            "lat": lat,
            "summary": "load test",
        }
        with self.client.post(
            "/api/cad/incidents",
            data=json.dumps(body),
            headers=self.headers,
            catch_response=True,
            name="POST /api/cad/incidents",
        ) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code} {(r.text or '')[:160]}")

    @task
    def list_open(self):
        with self.client.get(
            "/api/cad/incidents?status=open",
            headers=self.headers,
            catch_response=True,
            name="GET /api/cad/incidents?status=open",
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} {(r.text or '')[:160]}")


class HealthUser(_Base):
    @task
    def health(self):
        with self.client.get(
            "/api/core/health", headers=self.headers, catch_response=True, name="GET /api/core/health"
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} {(r.text or '')[:160]}")
