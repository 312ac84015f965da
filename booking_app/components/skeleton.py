"""Grey placeholders in the shape of the page while its data arrives (issue 18: no blank page)."""

import reflex as rx


def _bar(width: str, height: str = "1rem") -> rx.Component:
    return rx.skeleton(rx.box(width=width, height=height), loading=True)


def page_skeleton(label: str = "Loading…", *, side: bool = True) -> rx.Component:
    """A main card of lines (and the wizard's side card), as the booking pages are laid out;
    announced once to screen readers."""
    side_card = rx.card(
        rx.vstack(
            rx.hstack(rx.skeleton(rx.box(width="48px", height="48px", border_radius="50%"), loading=True),
                      rx.vstack(_bar("8rem"), _bar("10rem", "0.8rem"), spacing="2"), align="center", spacing="3"),
            _bar("100%", "0.8rem"), _bar("70%", "0.8rem"),
            spacing="3", width="100%",
        ),
        size="3", width=rx.breakpoints(initial="100%", md="300px"), flex_shrink="0",
    )
    main = rx.card(
        rx.vstack(_bar("40%", "1.75rem"), _bar("100%", "4.5rem"), _bar("100%", "4.5rem"), _bar("100%", "4.5rem"),
                  spacing="4", width="100%"),
        size=rx.breakpoints(initial="2", sm="4"), width="100%", min_width="0",
    )
    return rx.flex(
        rx.text(label, class_name="visually-hidden", role="status"),
        *([side_card] if side else []), main,
        direction=rx.breakpoints(initial="column", md="row"), gap="1.25rem", align="start", width="100%",
        padding_top="1.5rem", id="page-skeleton", aria_busy="true",
    )
