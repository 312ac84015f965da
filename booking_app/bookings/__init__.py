"""A booking's life, from the hold to its end: the use cases pages and API routes call
(``reserve``, ``cancel``, ``expiry``, ``payment_outcomes``), the only code that changes a
booking's status (``holds``, ``transitions``), its timeline (``events``) and ``BookingView``,
the one read model of a booking (``view``). See docs/architecture.md for the state machine."""
