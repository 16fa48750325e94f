"""Counting: rules (YAML data) applied to the record give Figures with lower and upper bounds."""
