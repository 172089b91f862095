"""Pure parsers for owners' replies: dates and times (when), intent, inbound mail."""
