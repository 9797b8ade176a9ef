"""The hosted profile's door for people: participant links that sign a recruiting
platform's participants in as workers (:mod:`.join`), and the requester's own pages
and API (:mod:`.pages`, :mod:`.api`) with results and payments as CSV (:mod:`.results`).
``docs/hosted.md`` describes them."""
