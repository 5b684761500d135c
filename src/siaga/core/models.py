from django.db import models

from .permissions import RestrictedQuerySet, Scope


class AuditEntry(models.Model):
    """One row per service write, linked to the previous row by a SHA-256 hash chain.

    `seq` is assigned by the writer under a lock on AuditHead, so gaps (deleted rows) are visible;
    the head keeps the last seq and hash, so deleting the newest rows is visible too.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    polres_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = RestrictedQuerySet.as_manager()
    # polres_id is a plain column (rows outlive what they describe); a Polda user is matched through
    # the Polres of its Polda, a Polsek or kelurahan user sees none (the trail is kept per Polres).
    scope = Scope(polres="polres_id")

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """A single row: the chain's tip. Locking it serialises appends across processes."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.last_seq} {self.last_hash[:12]}"
