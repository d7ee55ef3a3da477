"""Dates and times as staff read them in the admin and every page that shows a datetime
with the default formats: ISO-like and always with the zone, since the network spans
several and the server's default zone is UTC."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i T"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
TIME_FORMAT = "H:i"
