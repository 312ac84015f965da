"""User-facing messages in one place, so the API, the UI and the CLI say the same thing."""

SLOT_TAKEN = "That time was just taken — please pick another."
NOT_A_SLOT = "That time is not one of the offered times; please pick a time from the list."
START_IN_PAST = "That time has already passed; please pick a later one."
START_TOO_SOON = "That time is too soon: this session needs at least {notice} notice."
START_TOO_FAR = "That time is too far ahead: this session can be booked up to {days} days in advance."
START_NEEDS_OFFSET = "Give the start time with a UTC offset, e.g. 2026-12-01T10:00:00+01:00."
NAME_REQUIRED = "Please enter your name."
CONTROL_CHARACTERS = (
    "This text contains a control character (such as a NUL byte) that cannot be stored; remove it and try again."
)
NAME_TOO_LONG = "Keep your name to 200 characters or fewer."
NOTES_TOO_LONG = "Notes can be at most 5,000 characters."
RANGE_TOO_LONG = "Ask for at most 93 days at a time."
RANGE_BACKWARDS = "The end date must be on or after the start date."
DATE_OUT_OF_RANGE = "Pick a date within ten years of today."
TOO_MANY_HOLDS = (
    "You already have {limit} unpaid reservations in progress. Complete or cancel one of them, "
    "or wait until it expires, before reserving another time. Lost the links? Get them by e-mail at "
    "/bookings/find."
)
FREE_LIMIT_ADDRESS = (
    "You already have {limit} free sessions with {builder} on {day}. To book another time that day, cancel "
    "one of them first — the links are in your confirmation e-mails, or get them at /bookings/find."
)
FREE_LIMIT_CLIENT = (
    "We can't take more free bookings with {builder} on {day} from your network just now. Everyone on a "
    "shared network (an office, a café, a mobile provider) counts together, so this may not be about you: "
    "please pick another day, or book from another connection."
)
LOOKUP_SENT = "If we have bookings for that address, we've sent the links. Check your inbox (and spam folder)."
SIGN_UP_SENT = ("We've sent a link to {email} to finish creating your account. Check your inbox (and spam "
                "folder); the link works for 24 hours.")
SIGN_UP_LIMIT = "You've asked for a sign-up link a few times already; please wait an hour and try again."
SIGN_UP_LINK_INVALID = "This sign-up link is not valid any more (it works once, for 24 hours). Please sign up again."
SIGN_UP_ALREADY_DONE = "This e-mail address has an account already. Please sign in."
SLUG_TAKEN = "The address /book/{slug} is already taken; please choose another."
LOOKUP_LIMIT = "You've asked for the links a few times already; please wait an hour and try again."
SESSION_TYPE_NOT_FOUND = "This session type does not exist or is no longer offered."
BUILDER_NOT_FOUND = "There is no builder at this address."
BOOKING_NOT_FOUND = "No booking was found for this link."
CALENDAR_NOT_FOUND = "This calendar connection does not exist."
CALENDARS_TOO_MANY = "Connect at most 10 calendars; remove one first."
CALENDAR_NAME_TOO_LONG = "Keep the name to 200 characters or fewer."
CALDAV_NO_CALENDARS = "This CalDAV account has no calendars."
CALDAV_NO_SUCH_CALENDAR = "This account has no calendar called “{name}”. Its calendars: {names}."
FEED_NOT_FOUND = "No calendar feed was found at this address; it may have been replaced by a new one."
# A builder asking for a booking id that is not theirs gets the same answer as for an id that
# does not exist: ids cannot be probed for other builders' bookings.
BUILDER_BOOKING_NOT_FOUND = "This booking does not exist."
PAYMENTS_UNAVAILABLE = "Payments are unavailable for a moment. Please try again in a minute."
PAYMENT_NOT_STARTED = "We could not start the payment. Please try again, or choose another time."
HOLD_GONE = "This reservation has expired or was completed; please choose a time again."
ALREADY_CANCELLED = "This booking is already cancelled or expired."
SESSION_STARTED = "This session has already started, so it can no longer be cancelled here. Contact the builder."
CANCEL_CUTOFF = (
    "This booking can no longer be cancelled here: cancellations close {hours} hours before the start "
    "({deadline}). Contact the builder."
)
PHONE_REQUIRED = "Enter the phone number the builder should call."
PHONE_INVALID = "That does not look like a phone number; include the country code, e.g. +44 20 7946 0958."
ANSWER_REQUIRED = "Please answer this question."
ANSWER_REQUIRED_CHECKBOX = "Please tick this box to continue."
ANSWER_TOO_LONG = "Keep this answer to {limit} characters or fewer."
ANSWER_NOT_A_CHOICE = "Choose one of the options given."
ANSWER_UNKNOWN = "This session type asks no question “{id}”."
ATTENDANCE_CHOICE = "Mark the session as completed or as a no-show."
ATTENDANCE_NOT_YET = "A session can be marked completed or no-show once it has started."
ATTENDANCE_NOT_CONFIRMED = "Only a confirmed booking can be marked completed or no-show."
CHECKOUT_IN_PROGRESS = "A payment for this booking is being started; please wait a moment."

# Offer management (booking_app/offers): session types, hours, date overrides, profile.
OFFER_NOT_FOUND = "This session type does not exist."
OFFER_TITLE_REQUIRED = "Give the session a title, e.g. “Intro call”."
OFFER_TITLE_TOO_LONG = "Keep the title to 200 characters or fewer."
OFFER_TEXT_TOO_LONG = "{label} can be at most {limit} characters."
OFFER_SLUG_FORMAT = (
    "Use 1-64 lower-case letters, digits and hyphens for the link name, not starting or ending with a hyphen."
)
OFFER_SLUG_TAKEN = "Another of your session types already uses the link name “{slug}”; choose another."
OFFER_WHOLE_NUMBER = "Enter {what} as a whole number."
OFFER_DURATION_POSITIVE = "The duration must be at least 1 minute."
OFFER_DURATION_TOO_LONG = "A session can last at most 12 hours (720 minutes)."
OFFER_INTERVAL_POSITIVE = (
    "The interval between start times must be at least 1 minute (leave it empty to use the duration)."
)
OFFER_INTERVAL_TOO_LONG = "The interval between start times can be at most 12 hours (720 minutes)."
OFFER_BUFFER_NEGATIVE = "Buffers cannot be negative; use 0 for no buffer."
OFFER_BUFFER_TOO_LONG = "A buffer can be at most 12 hours (720 minutes)."
OFFER_NOTICE_NEGATIVE = "The minimum notice cannot be negative; use 0 to allow bookings up to the start."
OFFER_NOTICE_BEYOND_HORIZON = (
    "The minimum notice must be shorter than the booking horizon ({days} days), or nothing could be booked."
)
OFFER_HORIZON_RANGE = "Customers can book from 1 to 365 days ahead; enter a number of days in that range."
OFFER_SEATS_RANGE = "Seats must be between 1 (one-to-one) and 100."
OFFER_TIER_HOURS = "Refund tier {n}: enter the hours before the start as a whole number from 0 to 720."
OFFER_TIER_PERCENT = "Refund tier {n}: enter the refund as a whole percentage from 1 to 100."
OFFER_TIERS_TOO_MANY = "Use at most 5 refund tiers."
OFFER_TIERS_SAME_HOURS = "Two refund tiers start {hours} hours before; give each tier its own number of hours."
OFFER_TIERS_ORDER = (
    "Cancelling earlier can never refund less: {more} hours before gives {more_percent} %, "
    "but {less} hours before gives {less_percent} %."
)
OFFER_CANCEL_CUTOFF_RANGE = (
    "The cancellation cut-off must be between 0 (until the start) and 720 hours (30 days) before the start."
)
OFFER_LOCATION_KIND = "Choose where the session happens: video call, in person, phone call, or details sent later."
OFFER_VIDEO_LINK = "Enter the video-call link, starting with https:// (e.g. https://meet.example.com/you)."
OFFER_ADDRESS_REQUIRED = "Enter the address where you meet."
OFFER_LOCATION_TOO_LONG = "Keep the location to 500 characters or fewer."
OFFER_QUESTIONS_TOO_MANY = "Ask at most 10 questions."
OFFER_QUESTION_LABEL = "Question {n}: write the question (1 to 200 characters)."
OFFER_QUESTION_KIND = "Question {n}: choose short text, long text, single choice or checkbox."
OFFER_QUESTION_CHOICES = "Question {n}: give 2 to 20 different choices, one per line, each up to 100 characters."
OFFER_RESCHEDULE_CUTOFF_RANGE = (
    "The reschedule cut-off must be between 0 and 720 hours (30 days) before the start."
)
OFFER_CURRENCY_UNKNOWN = "Payments in {code} are not supported. Choose one of: {known}."
OFFER_PRICE_REQUIRED = "Enter a price, or 0 for a free session."
OFFER_PRICE_FORMAT = (
    "Enter the price as a plain number such as 150 or 150.00, "
    "without a currency sign or thousands separators."
)
OFFER_PRICE_NEGATIVE = "The price cannot be negative; use 0 for a free session."
OFFER_PRICE_NO_DECIMALS = "{code} has no minor unit; enter a whole amount such as 1500."
OFFER_PRICE_TOO_MANY_DECIMALS = "{code} prices can have at most {places} decimal places."
OFFER_PRICE_BELOW_MINIMUM = (
    "Stripe cannot take a payment under {minimum} in {code}. "
    "Charge at least {minimum}, or 0 for a free session."
)
OFFER_PRICE_ABOVE_MAXIMUM = "Stripe cannot take more than {maximum} in one payment."
OFFER_ORDER_MISMATCH = (
    "The new order must list each of your session types exactly once; reload the page and try again."
)
HOURS_TIME_FORMAT = "Enter times as HH:MM, e.g. 09:00 or 17:30 (24:00 for the end of the day)."
HOURS_NOT_A_TIME = "{value} is not a time of day; enter times as HH:MM, e.g. 09:00 or 17:30."
HOURS_OUT_OF_DAY = (
    "The {label} time {value} is outside the day: "
    "times run from 00:00 to 24:00, and only an end can be 24:00."
)
HOURS_WINDOW_SHAPE = "Each window needs a start and an end time."
HOURS_ENDS_BEFORE_START = (
    "Ends before it starts: {span}. Use 24:00 for midnight at the end of the day; "
    "hours past midnight belong to the next day."
)
HOURS_EMPTY_WINDOW = "{span} is empty: a window must end after it starts."
HOURS_OVERLAP = "{first} overlaps {second}; merge them into one window or move one of them."
HOURS_TOO_MANY = "Use at most {limit} windows in one day."
HOURS_WEEKDAY = "Pick a day of the week (0 = Monday … 6 = Sunday)."
OVERRIDE_DAY_FORMAT = "Enter the date as YYYY-MM-DD, e.g. 2026-12-24."
OVERRIDE_DAY_PAST = (
    "That day has already passed in your time zone (today is {today}); pick today or a later date."
)
OVERRIDE_DAY_TOO_FAR = "Pick a date within the next year: customers cannot book further ahead than that."
OVERRIDE_NOT_FOUND = "You have no special hours on {day}."
PROFILE_NAME_LENGTH = "Please enter a name of 1 to 200 characters."
REMINDER_HOURS_FORMAT = (
    "Enter whole hours before the session, separated by commas, each from 1 to 168 (a week) — "
    "for example 24, 1. Leave it empty to send no reminders."
)
REMINDER_HOURS_TOO_MANY = "Send at most 3 reminders per booking."
RESCHEDULE_CUTOFF = (
    "This booking can no longer be moved: changes close {hours} hours before the start ({deadline}). "
    "You can still cancel it under the cancellation policy."
)
RESCHEDULE_CUTOFF_NO_CANCEL = (
    "This booking can no longer be moved: changes close {hours} hours before the start ({deadline}). "
    "Contact the builder if you cannot make it."
)
RESCHEDULE_NOT_CONFIRMED = "Only a confirmed booking can be moved; an unpaid reservation can choose another time."
RESCHEDULE_SAME_TIME = "That is already this booking's time; pick another."
PICK_NEW_TIME = "Pick a date and a free time to move the booking to."
SESSION_STARTED_MOVE = "This session has already started, so it can no longer be moved."

# -- Integrations (issue 17): API keys, the builder API, outgoing webhooks ---------------------
API_KEY_NAME_REQUIRED = "Give the key a name, e.g. “CRM sync”, so you know later what uses it."
API_KEY_NAME_TOO_LONG = "Keep the key's name to 100 characters or fewer."
API_KEY_NOT_FOUND = "This API key does not exist."
API_KEY_TOO_MANY = "You have 20 active API keys already; revoke one you no longer use first."
API_KEY_MISSING = "Send your API key as “Authorization: Bearer mh_live_…” (create one at /dashboard/developers)."
API_KEY_INVALID = "This API key is not valid: it was revoked, or it was never issued."
API_BOOKING_STATUS = "status must be one of pending_payment, confirmed, expired, cancelled."
API_RANGE_BACKWARDS = "“to” must be after “from”."
API_CURSOR_INVALID = "This cursor is not one this API gave out; start again without it."
WEBHOOK_URL_REQUIRED = "Enter the URL to send events to, e.g. https://example.com/hooks/makerhours."
WEBHOOK_URL_TOO_LONG = "Keep the URL to 2,000 characters or fewer."
WEBHOOK_URL_SCHEME = "The URL must start with https:// (or http://)."
WEBHOOK_URL_FORMAT = "That is not a URL we can send to; write it as https://host/path."
WEBHOOK_URL_CREDENTIALS = "Leave user names and passwords out of the URL; verify our signature instead."
WEBHOOK_URL_UNRESOLVABLE = "The host “{host}” cannot be found; check the spelling."
WEBHOOK_URL_PRIVATE = "The host “{host}” is a private or local address; events can only go to public addresses."
WEBHOOK_EVENTS_REQUIRED = "Choose at least one event to receive."
WEBHOOK_EVENT_UNKNOWN = "“{name}” is not an event we send; choose from {known}."
WEBHOOK_TOO_MANY = "You have 10 webhook endpoints already; remove one first."
WEBHOOK_NOT_FOUND = "This webhook endpoint does not exist."
WEBHOOK_DELIVERY_NOT_FOUND = "This delivery does not exist."
WEBHOOK_RESEND_DISABLED = "This endpoint is disabled; enable it again before resending."
WEBHOOK_RESEND_PENDING = "This delivery is still being sent (it is retried automatically); resend it once it has failed or succeeded."

# -- Customer accounts (issue 16): sign-in by code or link, my bookings, members-only types ----
CUSTOMER_CODE_SENT = ("We've sent a sign-in code and link to {email}. They work once, for 15 minutes. "
                      "Check your spam folder if nothing arrives.")
CUSTOMER_CODE_LIMIT = "You asked for several codes in a short time. Please wait 15 minutes, then ask again."
CUSTOMER_CODE_WRONG = ("That code is not right, or it has expired or been used. Check the latest e-mail, "
                       "or ask for a new code.")
CUSTOMER_CODE_THROTTLED = "Too many wrong codes from your network. Please wait 15 minutes and try again."
CUSTOMER_CODE_FORMAT = "Enter the 6 digits from the e-mail."
CUSTOMER_LINK_INVALID = ("This sign-in link has expired or was already used. Ask for a new code: "
                         "links work once, for 15 minutes.")
CUSTOMER_SIGN_IN_NEEDED = "Please sign in to see your bookings."
MEMBERS_ONLY = ("Only signed-in customers can book this session. Sign in with your e-mail address (we send you a "
                "code), then book.")
MEMBERS_ONLY_API = ("This session type is for signed-in customers: send “Authorization: Bearer <customer token>” "
                    "(get one with POST /api/customer/sign-in/code and /api/customer/sign-in/verify).")
CUSTOMER_TOKEN_INVALID = ("Send a customer token as “Authorization: Bearer …” (POST /api/customer/sign-in/code, "
                          "then /api/customer/sign-in/verify); this one is missing, expired or signed out.")
OIDC_FAILED = "Signing in with your identity provider did not work. Please try again."
OIDC_CANCELLED = "Sign-in was cancelled at your identity provider. You can try again, or sign in another way."
OIDC_UNREACHABLE = "Your identity provider cannot be reached just now. Please try again in a minute."
OIDC_OFF = "Signing in with an identity provider is not set up on this site."
OIDC_EMAIL_UNVERIFIED = ("Your identity provider did not confirm your e-mail address, so we cannot sign you in with "
                         "it. Verify the address there, or sign in another way.")
OIDC_NO_BUILDER = ("There is no builder account for {email}. Create one first, or sign in as a customer to see "
                   "your bookings.")

# -- issue 18: the booking page and the dashboard, as good to use as Calendly's ------------------
EMAIL_INVALID = "Please enter a valid e-mail address, like name@example.com."
TOO_MANY_HOLDS_SHARED_ADDRESS = (
    "There are already {limit} unpaid reservations in progress from your internet connection — other "
    "people on the same network (an office, a café) count too. Please try again a little later: "
    "reservations that are not paid are released when they expire."
)
