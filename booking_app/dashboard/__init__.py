"""The builder dashboard's read models: bookings, booking details, revenue."""
