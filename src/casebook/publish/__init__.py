"""Publishing: a redacted public dataset of the record, as a publishing rule allows."""
