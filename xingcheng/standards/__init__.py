"""National standards for identifiers and codes used across Xingcheng (星城).

Pure functions, no I/O beyond the bundled division tables: resident ID numbers (GB 11643), unified social
credit codes (GB 32100), vehicle plates (GA 36), administrative divisions (GB/T 2260) and masking of
personal data for display. Every validator raises a subclass of
:class:`xingcheng.standards.errors.StandardError` carrying a stable ``code`` and a message that never
repeats the rejected value.
"""

from . import divisions, errors, idnumber, masking, plates, uscc

__all__ = ["divisions", "errors", "idnumber", "masking", "plates", "uscc"]
