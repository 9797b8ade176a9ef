"""A HIT's question and its answers: the ``Question`` checked as the service checks it
(``checks.py``), the QuestionForm read once (``question_form.py``), the QuestionFormAnswers
a worker's answers arrive in (``answers.py``), the HTML5 parse errors and XML Schemas the
checks use (``html5.py``, ``schemas.py``), and HIT layouts (``layouts.py``)."""
