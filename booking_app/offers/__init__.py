"""A builder's offer: session types, weekly hours, date overrides, time zone and profile.

Callers import ``booking_app.offers.service``; ``validation`` holds its pure checks.
"""
