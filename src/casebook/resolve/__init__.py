"""Resolution: mentions → identities. See docs/resolution.md.

`names` parses written names and derives blocking keys, `compare` scores two names or two
mentions on labelled levels, `evaluate` measures that on labelled data and clusters mentions.
"""
