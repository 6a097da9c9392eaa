"""Question banks: TOML files of questions, rubrics and timings, and their validation.

model (Bank/Question dataclasses, loading, pasted banks) · schema (field-by-field checks with
messages that name the line) · routes (POST /api/banks/format: check a bank before pasting it).
"""
