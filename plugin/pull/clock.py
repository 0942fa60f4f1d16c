"""REDCap's own clock, read from the newest entry of its log.

REDCap writes its log in its server's local time and gives its UTC time only in the Date header
of a reply; its zone may be anywhere from UTC-12 to UTC+14. The log's API cannot ask for the
newest entry alone, and a busy project logs hundreds of entries a second, so the log is read in
windows going back from the likely "now" (the Date header's time in this machine's zone, which
is REDCap's own zone in most deployments and always for localcap): the first window is open at
its end, so anything newer counts too; each next one is twice as long and ends where the one
before began, down to the earliest REDCap's local "now" can be. The first window that holds an
entry holds the newest. When REDCap's zone is not this machine's, the answer is the same and
only the window it is found in is longer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from plugin.redcap import RedcapClient

LOG_TIME = "%Y-%m-%d %H:%M"
# REDCap's clock may sit anywhere from UTC-12 to UTC+14; looking back this far from its UTC
# Date header is certain to include its local "now".
WIDEST_OFFSET = timedelta(hours=14)
# Short enough that a log written at hundreds of entries a second sends back a few thousand.
FIRST_WINDOW = timedelta(seconds=8)


def server_clock(client: RedcapClient) -> str:
    """REDCap's own "now", as its log writes times: the newest log entry, or failing that the
    earliest its local time could be given its UTC Date header."""
    client.version()
    utc = _parse_http_date(client.judge.last_reply_date).replace(microsecond=0)
    earliest = (utc - WIDEST_OFFSET).replace(tzinfo=None)
    likely = utc.astimezone().replace(tzinfo=None)
    for begin, end in log_windows(likely, earliest):
        entries = client.logging(begin_time=begin, end_time=end)
        stamps = [str(e.get("timestamp", "")) for e in entries if e.get("timestamp")]
        if stamps:
            return max(stamps)
    return earliest.strftime(LOG_TIME)


def log_windows(likely: datetime, earliest: datetime) -> Iterator[tuple[datetime, datetime | None]]:
    """The windows the log is read in, newest first, as (begin, end); the first has no end, and
    together they cover every time from ``earliest`` on."""
    end: datetime | None = None
    reach = FIRST_WINDOW
    while True:
        begin = max(likely - reach, earliest)
        yield begin, end
        if begin <= earliest:
            return
        end, reach = begin, reach * 2


def _parse_http_date(value: str) -> datetime:
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return datetime.now(UTC)
