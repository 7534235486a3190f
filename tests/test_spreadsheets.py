"""The CSV field rule the export writes its lines with (spreadsheets.csv_field) is csv.writer's."""

import csv

from hypothesis import example, given
from hypothesis import strategies as st

from commitments.ogp.exporting import csv_line
from ogptracker.spreadsheets import csv_field


class _Echo:
    def write(self, value):
        return value


WRITER = csv.writer(_Echo())
# Any text, with the characters that decide the quoting made frequent.
TEXTS = st.text(alphabet=st.one_of(st.sampled_from(',"\r\n\'=\t \x00\u2028'), st.characters()), max_size=30)


@given(st.lists(TEXTS, min_size=2, max_size=8))
@example(["", ""])
@example(['say "hi", then, leave', "line one\nline two\r\nthree\rfour"])
@example(['"', ","])
@example(["\x00", "\u2028"])
def test_a_line_of_csv_fields_is_what_csv_writer_writes(texts):
    assert csv_line(map(csv_field, texts)) == WRITER.writerow(texts)
