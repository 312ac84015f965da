"""A builder's own calendars: the private feed of their bookings (``feed``), busy time read
from iCalendar URLs and CalDAV accounts (``sync``, over ``fetch``'s safe requests and
``parse``'s expansion), bookings written into a CalDAV calendar (``writeback``), and the
connections a builder manages (``connections``), with credentials encrypted (``crypto``)."""
