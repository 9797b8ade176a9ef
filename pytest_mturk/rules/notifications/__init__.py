"""Event notifications: the message documents and their delivery (``notify.py``), where
they go (``destinations.py``), and delivery into moto's queues and topics
(``aws_delivery.py``)."""
