"""The worker pages: MTurk's worker side, served by the HTTP door beside the API.

Plain HTML pages (``docs/worker-pages.md``): sign in as any worker, the HITs that
worker can find, preview, accept, return, the task itself (an ExternalQuestion or
HTMLQuestion in its frame, a QuestionForm as a form), qualification tests and
requests, and ``/mturk/externalSubmit``. The HTTP door's route table
(:mod:`pytest_mturk.doors.http.routes`) lists their routes; :mod:`.context` is how
they answer. Every change is a worker action run by the door's backend, the same as
the control API's, so the pages move the same core. Needs the ``server`` extra
(werkzeug).
"""
