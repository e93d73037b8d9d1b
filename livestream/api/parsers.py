"""The API's JSON parser: DRF's, with a nesting bomb refused as a 400 like any other malformed body.

``{"title": [[[...1,000 deep...]]]}`` makes Python's decoder raise RecursionError, which DRF does not catch
(it catches ValueError), so the request was a 500. Here it is a ParseError (400, code ``parse_error``).
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
