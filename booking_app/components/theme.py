"""One visual style for every page."""

import reflex as rx

PRODUCT_NAME = "Makerhours"
TAGLINE = "Book an hour with the people who build apps"

THEME = rx.theme(appearance="light", accent_color="iris", gray_color="slate", radius="large", scaling="100%")
