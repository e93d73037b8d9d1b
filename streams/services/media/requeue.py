"""Recordings and clips whose task was lost: queue them again, and give up after the retry budget.

task_on_commit logs a broker outage after commit and carries on, so a job can stay ``processing`` with no task
behind it. Beat runs media_jobs_requeue_stuck(): a job processing longer than MEDIA_PROCESSING_STUCK_MINUTES
since it was last queued or started is queued again; once the sweep has queued it as often as the job's retry
budget allows, it is marked failed instead. Finishing twice is harmless: recording_process and clip_process
finish only a job still processing (a second run's files are deleted), so a lost task that turns up late does
no harm either.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from livestream.task_queue import task_on_commit
from streams.models import Clip, Recording
from streams.services.media.clips import CLIP_MAX_ATTEMPTS
from streams.services.media.recordings import RECORDING_MAX_ATTEMPTS

# model, its task (queued by name), the tries it gets in all (the task's own retry budget)
_JOBS = (
    (Recording, "streams.tasks.process_recording", RECORDING_MAX_ATTEMPTS),
    (Clip, "streams.tasks.cut_clip", CLIP_MAX_ATTEMPTS),
)


def media_jobs_requeue_stuck(*, now: datetime | None = None) -> dict[str, int]:
    """Requeue each recording and clip stuck in ``processing``, or mark it failed past its budget; each job in
    its own short transaction, under its row lock, so a job that finished meanwhile is left alone."""
    now = now or timezone.now()
    minutes = settings.MEDIA_PROCESSING_STUCK_MINUTES
    cutoff = now - timedelta(minutes=minutes)
    outcome = {"requeued": 0, "failed": 0}
    for model, task, tries in _JOBS:
        stuck = model.objects.filter(status=model.Status.PROCESSING, queued_at__lt=cutoff)
        for pk in stuck.order_by("queued_at").values_list("pk", flat=True):
            with transaction.atomic():
                job = stuck.select_for_update().filter(pk=pk).first()
                if job is None:
                    continue
                if job.requeues + 1 >= tries:
                    job.status = model.Status.FAILED
                    job.error = f"Processing did not finish within {minutes} minutes, {tries} times; gave up."
                    job.save(update_fields=["status", "error"])
                    outcome["failed"] += 1
                else:
                    job.requeues += 1
                    job.queued_at = now
                    job.save(update_fields=["requeues", "queued_at"])
                    task_on_commit(task, str(job.pk))
                    outcome["requeued"] += 1
    return outcome
