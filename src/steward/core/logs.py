"""Log lines with UTC timestamps in ISO 8601 (ASVS V16.2.2): every node writes the same
clock, whatever its local time zone, and log collectors parse it without guessing."""

import logging
import time


class UTCFormatter(logging.Formatter):
    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"
