"""The floor screen: a full-screen page of line tiles for a TV on the shop floor.

Values in, bytes out: ``page`` renders the HTML around a site's URL and token and serves the
page's own CSS and JavaScript (no CDN: plants are often offline); ``data`` turns a
``bot.numbers.floor.FloorView`` into the JSON the page polls. No database, no Slack, no HTTP here:
``bot.entry.screen_web`` routes the requests.
"""
