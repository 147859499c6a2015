"""The kit's grader: ``python -m checks`` grades ``assignment/``; see ``python -m checks --help``.

Importing this package is cheap and imports no student code.
"""
