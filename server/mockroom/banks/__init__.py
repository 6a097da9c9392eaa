"""Question banks: TOML files of questions, rubrics and timings, and their validation.

model (Bank/Question dataclasses, loading, pasted banks) · schema (field-by-field checks with
messages that name the line) · source_lines (which line of the TOML holds a key) · routes (POST
/api/banks/format: check a bank before pasting it).
"""
